// Package paymentstest starts a real stripe-mock (the pinned go tool) for
// tests: one process per test binary, started on first use on a free
// loopback port, killed with the binary.
package paymentstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Key is a test secret key stripe-mock accepts.
const Key = "sk_test_taiwa"

var (
	once    sync.Once
	mockURL string
	mockErr error
	mockCmd *exec.Cmd
	mockEnd chan struct{} // closed when the process has exited
)

// StripeMock returns the API base of the test binary's stripe-mock,
// starting it on first use. Where it cannot be started the test is skipped,
// except under CI=true, where it fails.
func StripeMock(t testing.TB) string {
	t.Helper()
	once.Do(func() { mockURL, mockErr = start() })
	if mockErr != nil {
		if os.Getenv("CI") == "" {
			t.Skip("paymentstest: stripe-mock unavailable:", mockErr)
		}
		t.Fatalf("paymentstest: stripe-mock is needed: %v", mockErr)
	}
	return mockURL
}

// Stop kills stripe-mock if it was started; TestMain may call it after
// m.Run. Without it the process dies with the test binary anyway.
func Stop() {
	if mockCmd != nil {
		_ = mockCmd.Process.Kill()
		<-mockEnd
	}
}

// binary resolves the stripe-mock executable: TAIWA_STRIPE_MOCK_BIN, else
// the module's pinned tool (go tool -n builds it once and caches it).
func binary() (string, error) {
	if b := os.Getenv("TAIWA_STRIPE_MOCK_BIN"); b != "" {
		return b, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "tool", "-n", "stripe-mock").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("go tool -n stripe-mock: %w: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("go tool -n stripe-mock: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func start() (string, error) {
	bin, err := binary()
	if err != nil {
		return "", err
	}
	var last error
	for range 3 { // a free port can be taken between picking and binding
		addr, err := freeAddr()
		if err != nil {
			return "", err
		}
		// stripe-mock also serves HTTPS, on :12112 unless told otherwise:
		// one per machine, so a second test binary's mock would exit.
		tlsAddr, err := freeAddr()
		if err != nil {
			return "", err
		}
		cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", tlsAddr)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		var output tailBuffer
		cmd.Stdout, cmd.Stderr = &output, &output
		if err := cmd.Start(); err != nil {
			return "", fmt.Errorf("start %s: %w", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		url := "http://" + addr
		if last = waitReady(url, exited); last == nil {
			mockCmd, mockEnd = cmd, exited
			return url, nil
		}
		last = fmt.Errorf("%w (%s on %s); its output: %s", last, bin, addr, output.String())
		_ = cmd.Process.Kill()
		<-exited
	}
	return "", last
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls until stripe-mock answers an authenticated request.
func waitReady(url string, exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("stripe-mock exited before answering")
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, url+"/v1/balance", nil)
		req.Header.Set("Authorization", "Bearer "+Key)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("stripe-mock did not answer within 30 s")
}

// tailBuffer keeps the last 4 KiB a process wrote, for the error that
// says why it stopped.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 4096; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
