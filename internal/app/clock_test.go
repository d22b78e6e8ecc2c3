package app_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// TestTheHarnessClockReachesEveryServiceAndTheAnswers: the clock set once
// in apptest.Options is the server's one clock. Every service of the
// running app reads it, and a sign-in's expiry is counted from it, not
// from the wall clock.
func TestTheHarnessClockReachesEveryServiceAndTheAnswers(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 3, 29, 0, 30, 0, 0, time.UTC) // a Monday after Europe's clocks went forward
	h := apptest.New(t, apptest.Options{Clock: clock.Fixed(at)})

	clockType := reflect.TypeFor[clock.Clock]()
	v := reflect.ValueOf(h.App.Services).Elem()
	read := 0
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() || f.Type().Elem().Kind() != reflect.Struct {
			continue
		}
		c := f.Elem().FieldByName("Clock")
		if !c.IsValid() || c.Type() != clockType {
			continue
		}
		read++
		if got := c.Interface().(clock.Clock).Now(); !got.Equal(at) {
			t.Errorf("App.%s reads %v, want the harness's %v", v.Type().Field(i).Name, got, at)
		}
	}
	if read < 10 {
		t.Fatalf("%d services read a clock, want every domain service", read)
	}

	cid := dbtest.Company(t, h.Env, dbtest.Name("時計商事"))
	u := h.CreateUser(account.NewUser{CompanyID: cid, Email: "emp@tokei.example", Name: "時計 花子",
		Role: auth.RoleEmployee, Password: "employee-pass-2026"})
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "employee-pass-2026"}, &out); st != http.StatusOK {
		t.Fatalf("login: status %d", st)
	}
	if want := at.Add(h.App.Config.SessionTTL); !out.ExpiresAt.Equal(want) {
		t.Fatalf("session expires at %v, want %v (the harness's clock plus the session TTL)", out.ExpiresAt, want)
	}
}
