package web

import (
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Record pages (parsed with the others by render.go).
const (
	pageRecordEdit         = "record_edit"
	pageOperatorAlerts     = "operator_alerts"
	pageOperatorAlertsShow = "operator_alerts_show"
)

// recordPages are parsed with the others (render.go).
var recordPages = []string{pageRecordEdit, pageOperatorAlerts, pageOperatorAlertsShow}

// registerRecords adds the counsellor's record pages and the operators'
// urgent-risk queue.
func (s *Server) registerRecords(e *echo.Echo) {
	counselor := requireRoles(auth.RoleCounselor)
	operator := requireRoles(auth.RoleOperator)
	e.GET("/counselor/sessions/:id/record", s.recordEditShow, counselor)
	e.POST("/counselor/sessions/:id/record", s.recordEditSave, counselor)
	e.GET("/operator/alerts", s.alertList, operator)
	e.GET("/operator/alerts/:id", s.alertShow, operator)
	e.POST("/operator/alerts/:id/acknowledge", s.alertAcknowledge, operator)
	e.POST("/operator/alerts/:id/resolve", s.alertResolve, operator)
}
