// Package account holds users and how they prove who they are: passwords
// (argon2id), server-side sessions shared by the web UI's cookies and the
// API's bearer tokens, sign-in rate limits, and single-use emailed links for
// invitations and password resets.
package account

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// User is an account. The password hash never leaves this package.
type User struct {
	ID          uuid.UUID     `db:"id" json:"id"`
	CompanyID   uuid.NullUUID `db:"company_id" json:"company_id"`
	Email       string        `db:"email" json:"email"`
	Name        string        `db:"name" json:"name"`
	Role        auth.Role     `db:"role" json:"role"`
	Locale      string        `db:"locale" json:"-"`
	Timezone    string        `db:"timezone" json:"-"`
	DisabledAt  *time.Time    `db:"disabled_at" json:"-"`
	LastLoginAt *time.Time    `db:"last_login_at" json:"-"`
	CreatedAt   time.Time     `db:"created_at" json:"-"`
	hash        string
}

// Principal returns the user as a request's actor.
func (u User) Principal() auth.Principal {
	return auth.Principal{UserID: u.ID, Role: u.Role, CompanyID: u.CompanyID.UUID, Email: u.Email, Name: u.Name, Locale: u.Locale, Timezone: u.Timezone}
}

const userColumns = `id, company_id, email, name, role, locale, timezone, disabled_at, last_login_at, created_at`

// NormalizeEmail lower-cases and checks an address; field names the input.
func NormalizeEmail(field, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return "", apperr.Field(field, "is required")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return "", apperr.Field(field, "is not a valid email address")
	}
	return email, nil
}

// CheckName validates a person's display name.
func CheckName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", apperr.Field(field, "is required")
	case utf8.RuneCountInString(name) > 200:
		return "", apperr.Field(field, "must be at most 200 characters")
	}
	return name, nil
}

// NewUser is what CreateUser needs.
type NewUser struct {
	CompanyID uuid.UUID // required for employees and company admins
	Email     string
	Name      string
	Role      auth.Role
	Password  string // empty: the user gets an invitation instead
	Locale    string
}

// CreateUser inserts a user inside the caller's transaction (so a company and
// its admin, or an employee row and its user, commit together).
func CreateUser(ctx context.Context, tx *sqlx.Tx, n NewUser) (User, error) {
	email, err := NormalizeEmail("email", n.Email)
	if err != nil {
		return User{}, err
	}
	name, err := CheckName("name", n.Name)
	if err != nil {
		return User{}, err
	}
	if !n.Role.Valid() {
		return User{}, apperr.Field("role", "must be employee, counselor, company_admin or operator")
	}
	if n.Locale != "en" {
		n.Locale = "ja"
	}
	var hash *string
	if n.Password != "" {
		if err := CheckPassword(n.Password); err != nil {
			return User{}, err
		}
		h, err := HashPassword(n.Password)
		if err != nil {
			return User{}, err
		}
		hash = &h
	}
	company := uuid.NullUUID{UUID: n.CompanyID, Valid: n.CompanyID != uuid.Nil}
	var u User
	err = tx.GetContext(ctx, &u, `
		INSERT INTO users (company_id, email, name, role, password_hash, locale)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+userColumns,
		company, email, name, n.Role, hash, n.Locale)
	if err != nil {
		if db.ConstraintName(err) == "users_email_key" {
			return User{}, &apperr.Error{Code: apperr.CodeConflict, Reason: ReasonEmailTaken, Message: "a user with this email already exists", Fields: map[string]string{"email": "is already registered"}, Err: err}
		}
		return User{}, fmt.Errorf("create user: %w", db.MapError(err))
	}
	return u, nil
}

// GetUser loads a user visible in the transaction's scope.
func GetUser(ctx context.Context, tx *sqlx.Tx, id uuid.UUID) (User, error) {
	var u User
	err := tx.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	if db.IsNoRows(err) {
		return User{}, apperr.NotFound("user")
	}
	return u, err
}

// SetPasswordHash stores a new hash directly (seed and CLI use; the web
// flow goes through Service.SetPasswordWithToken).
func SetPasswordHash(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID, hash string) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
	return err
}
