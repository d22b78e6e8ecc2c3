package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/record"
)

const keysUsage = "usage: taiwa keys new [--id ID] | rotate [--batch N]"

// keysCmd makes a new note key, or re-seals every private note with the
// current key (the first of TAIWA_NOTE_KEYS) in small batches while the
// server keeps running.
func keysCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	id := fs.String("id", "", "the new key's id (letters, digits, _ or -)")
	batch := fs.Int("batch", 500, "rows re-sealed per transaction")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n%s", err, keysUsage)
	}
	switch args[0] {
	case "new":
		if *id == "" {
			return errors.New("taiwa keys new --id ID: name the key (e.g. k2); list it first in TAIWA_NOTE_KEYS, keep the old ones after it, then run `taiwa keys rotate`")
		}
		key, err := seal.NewKey(*id)
		if err != nil {
			return err
		}
		fmt.Println(key)
		return nil
	case "rotate":
		cfg, svc, err := openServices(ctx)
		if err != nil {
			return err
		}
		d := svc.DB
		defer d.Close()
		if cfg.Keyring == nil {
			return errors.New("set TAIWA_NOTE_KEYS (the new key first, the old ones after it)")
		}
		res, err := svc.Records.RotateKeys(ctx, record.RotateOptions{Batch: *batch, Progress: os.Stderr})
		if err != nil {
			return err
		}
		totp, badTOTP, err := account.RotateTOTPKeys(ctx, d, cfg.Keyring)
		if err != nil {
			return err
		}
		res.Resealed += totp
		res.Unreadable += badTOTP
		fmt.Printf("re-sealed %d values (%d TOTP secrets) with key %s\n", res.Resealed, totp, cfg.Keyring.Current())
		if res.Unreadable > 0 {
			return fmt.Errorf("%d values open with no configured key and were left as they are: keep the key they name in TAIWA_NOTE_KEYS", res.Unreadable)
		}
		return nil
	}
	return errors.New(keysUsage)
}
