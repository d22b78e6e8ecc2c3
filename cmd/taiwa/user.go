package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

const userUsage = "usage: taiwa user create --role R --email E --password P [--name N] [--company ID] | disable EMAIL_OR_ID | enable EMAIL_OR_ID"

func userCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(userUsage)
	}
	switch args[0] {
	case "create":
	case "disable", "enable":
		if len(args) != 2 {
			return errors.New(userUsage)
		}
		return userLifecycle(ctx, args[0], args[1])
	default:
		return errors.New(userUsage)
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	role := fs.String("role", "", "employee, counselor, company_admin or operator")
	email := fs.String("email", "", "sign-in email")
	password := fs.String("password", "", "password (at least 10 characters)")
	name := fs.String("name", "", "display name (defaults to the email)")
	companyID := fs.String("company", "", "company id (employees and company admins)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" {
		*name = *email
	}
	var cid uuid.UUID
	if *companyID != "" {
		var err error
		if cid, err = uuid.Parse(*companyID); err != nil {
			return fmt.Errorf("--company: %w", err)
		}
	}
	if *password == "" {
		return errors.New("--password is required")
	}
	_, svc, err := openServices(ctx)
	if err != nil {
		return err
	}
	d := svc.DB
	defer d.Close()
	return d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := account.CreateUser(ctx, tx, account.NewUser{CompanyID: cid, Email: *email, Name: *name, Role: auth.Role(*role), Password: *password})
		if err != nil {
			return err
		}
		if u.Role == auth.RoleCounselor {
			if _, err := tx.ExecContext(ctx, `INSERT INTO counselors (user_id, display_name) VALUES ($1, $2)`, u.ID, u.Name); err != nil {
				return err
			}
		}
		if u.Role == auth.RoleEmployee {
			if _, err := tx.ExecContext(ctx, `INSERT INTO employees (company_id, user_id) VALUES ($1, $2)`, cid, u.ID); err != nil {
				return err
			}
		}
		fmt.Printf("created %s %s (%s)\n", u.Role, u.Email, u.ID)
		return audit.Write(ctx, tx, auth.Principal{Role: "system"}, audit.Event{Action: "user.create_cli", CompanyID: cid, TargetType: "user", TargetID: u.ID.String()})
	})
}

// userLifecycle disables or enables one user as the platform: the way in
// when no operator can sign in. The last active operator is never
// disabled, and a suspended counsellor is reinstated, not enabled.
func userLifecycle(ctx context.Context, verb, who string) error {
	_, svc, err := openServices(ctx)
	if err != nil {
		return err
	}
	d := svc.DB
	defer d.Close()
	system := auth.Principal{Role: db.RoleSystem}
	return d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := account.FindUser(ctx, tx, who)
		if err != nil {
			return err
		}
		if verb == "disable" {
			err = account.DisableTx(ctx, tx, system, u.ID, account.ViaAdmin)
		} else {
			err = account.EnableTx(ctx, tx, system, u.ID, account.ViaAdmin)
		}
		if err != nil {
			return err
		}
		fmt.Printf("%sd %s %s (%s)\n", verb, u.Role, u.Email, u.ID)
		return nil
	})
}
