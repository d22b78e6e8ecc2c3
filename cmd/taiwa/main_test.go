package main

import (
	"testing"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
