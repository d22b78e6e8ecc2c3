package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// counselorOnly is the role of the /me routes of a counsellor's own profile.
var counselorOnly = []auth.Role{auth.RoleCounselor}

// decodeStrictJSON is decodeJSON that also refuses fields the body's type
// does not have, naming them: a misspelt field must not be silently lost.
// optionalReason reads a body that is either empty or {"reason": "…"}
// (cancel, dismiss, decline), strictly.
func optionalReason(c echo.Context) (string, error) {
	var in struct {
		Reason string `json:"reason"`
	}
	if c.Request().ContentLength == 0 {
		return "", nil
	}
	err := decodeStrictJSON(c, &in)
	return in.Reason, err
}

// decodeStrictJSON is decodeJSON that also refuses unknown fields.
func decodeStrictJSON(c echo.Context, v any) error {
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	return unmarshalJSON(body, v, true)
}

func (s *Server) myProfile(c echo.Context) error {
	p, err := s.Counselors.MyProfile(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) myProfileUpdate(c echo.Context) error {
	var in counselor.ProfileInput
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Counselors.UpdateProfile(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) myCredentials(c echo.Context) error {
	list, err := s.Counselors.MyCredentials(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[counselor.Credential]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) myCredentialSubmit(c echo.Context) error {
	var in counselor.CredentialInput
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	cr, err := s.Counselors.SubmitCredential(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cr)
}

// myPhotoSet takes the raw image bytes as the body.
func (s *Server) myPhotoSet(c echo.Context) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, counselor.MaxPhotoBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.Field("photo", "must be at most 5 MiB")
		}
		return apperr.Field("photo", "could not be read")
	}
	info, err := s.Counselors.SetPhotoAs(c.Request().Context(), principal(c), c.Request().Header.Get(echo.HeaderContentType), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

func (s *Server) counselorPhoto(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.Counselors.GetPhoto(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	// The URL changes with each upload (?v=), so a private copy may be kept;
	// an hour bounds how long one outlives a suspension.
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Last-Modified", p.UpdatedAt.UTC().Format(http.TimeFormat))
	return c.Blob(http.StatusOK, p.ContentType, p.Data)
}

func (s *Server) counselorQueue(c echo.Context) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	f := counselor.QueueFilter{Status: c.QueryParam("status"), Page: page, PerPage: perPage}
	list, total, err := s.Counselors.Queue(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[counselor.ReviewSummary]{Items: list, Total: total, Page: page, PerPage: perPage})
}

func (s *Server) counselorReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rv, err := s.Counselors.GetReview(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rv)
}

// reasonInput is the body of a rejection or suspension.
type reasonInput struct {
	Reason string `json:"reason"`
}

// decodeReason reads {"reason"}; no body at all is a missing reason.
func decodeReason(c echo.Context) (string, error) {
	var in reasonInput
	if c.Request().ContentLength == 0 {
		return "", nil
	}
	err := decodeStrictJSON(c, &in)
	return in.Reason, err
}

func (s *Server) credentialVerify(c echo.Context) error {
	return s.credentialReview(c, false)
}

func (s *Server) credentialReject(c echo.Context) error {
	return s.credentialReview(c, true)
}

func (s *Server) credentialReview(c echo.Context, reject bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(c, "credential_id")
	if err != nil {
		return err
	}
	ctx, p := c.Request().Context(), principal(c)
	var cr counselor.Credential
	if reject {
		reason, rerr := decodeReason(c)
		if rerr != nil {
			return rerr
		}
		cr, err = s.Counselors.RejectCredential(ctx, p, id, cid, reason)
	} else {
		cr, err = s.Counselors.VerifyCredential(ctx, p, id, cid)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cr)
}

func (s *Server) counselorVerify(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	co, err := s.Counselors.Verify(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, co)
}

func (s *Server) counselorSuspend(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason, err := decodeReason(c)
	if err != nil {
		return err
	}
	co, err := s.Counselors.Suspend(c.Request().Context(), principal(c), id, reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, co)
}

func (s *Server) counselorReinstate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	co, err := s.Counselors.Reinstate(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, co)
}
