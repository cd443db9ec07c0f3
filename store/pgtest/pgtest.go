// Package pgtest starts throwaway PostgreSQL servers for tests: Debian's
// postgresql package (any version under /usr/lib/postgresql), initdb in a
// temp directory, the server on a free loopback port, stopped at the end.
// Nothing here is mocked: the tests talk to a real PostgreSQL.
//
// A test binary shares one server (Shared) and gives each test a database
// of its own (NewDatabase), which costs tens of milliseconds; a test that
// restarts or stops its server starts its own (Start). Tests that use
// Shared run through Main from their TestMain, which stops the server when
// the tests end.
//
// As root, initdb and postgres (which refuse to run as root) run as the
// postgres user the package creates, in a directory given to that user.
// Without PostgreSQL the test fails with the command that installs it:
// never a silent skip.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Install is the one line that says how to get PostgreSQL.
const Install = "PostgreSQL is not installed: run 'sudo apt-get install -y postgresql' (make test installs it when run as root)"

// Server is one throwaway PostgreSQL server: its own cluster in a temp
// directory, listening on a loopback port, with a superuser "desk" whose
// password is random.
type Server struct {
	bin      string // the directory of initdb and postgres
	dir      string // the temp directory: data/, the log, the password file
	port     int
	password string
	cred     *syscall.Credential // run as this user (nil: as ourselves)

	mu   sync.Mutex
	proc *exec.Cmd     // the running postmaster, or nil
	done chan struct{} // closed when proc has exited
	dbs  int           // databases made so far, for their names
}

// Start starts a server of the test's own, stopped (and its directory
// removed) when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

var shared struct {
	mu      sync.Mutex
	running bool // Main is running the tests
	s       *Server
	err     error
}

// Main runs the tests of a binary that uses Shared, then stops the shared
// server if one was started. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.running = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.s != nil {
		shared.s.Close()
	}
	return code
}

// Shared is the test binary's one server, started on first use.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.running {
		tb.Fatal("pgtest: Shared needs the tests to run through pgtest.Main (see its doc)")
	}
	if shared.s == nil && shared.err == nil {
		shared.s, shared.err = start()
	}
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.s
}

// NewDatabase makes an empty database on the shared server and returns its
// URL (postgres://…, with the password).
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return Shared(tb).NewDatabase(tb)
}

// binDir finds the newest installed PostgreSQL's binaries.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if path, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(path), nil
	}
	return "", errors.New(Install)
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, password: randomHex(16)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root, PostgreSQL must run as the postgres user, which is missing (%v); %s", err, Install)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: its parents are private to root, and the server may run
	// as another user.
	if s.dir, err = os.MkdirTemp("", "desk-pgtest-"); err != nil {
		return nil, err
	}
	if err := s.initdb(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	// A free port can be taken between our look and the server's bind:
	// try another then.
	for try := 0; ; try++ {
		if s.port, err = freePort(); err == nil {
			if err = s.Start(); err == nil {
				return s, nil
			}
		}
		if try == 4 {
			os.RemoveAll(s.dir)
			return nil, err
		}
	}
}

func (s *Server) initdb() error {
	pwfile := filepath.Join(s.dir, "password")
	if err := os.WriteFile(pwfile, []byte(s.password+"\n"), 0o600); err != nil {
		return err
	}
	if s.cred != nil {
		for _, p := range []string{s.dir, pwfile} {
			if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				return err
			}
		}
	}
	// Passwords over TCP, as a real deployment has; --no-sync because the
	// cluster is thrown away.
	cmd := s.command("initdb", "-D", filepath.Join(s.dir, "data"), "-U", "desk", "--pwfile", pwfile,
		"--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	return nil
}

// command runs one of PostgreSQL's programs as the server's user, in its
// directory.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"LANG=C", "LC_ALL=C", "PATH=" + s.bin + ":/usr/bin:/bin", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

// Start starts the stopped server again on its port and waits until it
// takes connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("pgtest: the server is running")
	}
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := s.command("postgres", "-D", filepath.Join(s.dir, "data"),
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(s.port),
		"-c", "unix_socket_directories="+s.dir,
		"-c", "max_connections=300", "-c", "shared_buffers=32MB",
		// Speed over surviving a power cut: the cluster is thrown away. A
		// commit still survives the server's own crash (Stop), as the
		// restart tests need.
		"-c", "fsync=off", "-c", "full_page_writes=off")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stopWithTheTests(cmd)
	started, done := make(chan error, 1), make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine, after the server
		defer close(done)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	s.proc, s.done = cmd, done
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.url("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-done:
			s.proc = nil
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stopLocked(syscall.SIGQUIT)
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres did not take connections within a minute: %v\n%s", err, log)
		}
	}
}

// Stop stops the server at once (an immediate shutdown, as pg_ctl stop -m
// immediate): every connection drops.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGQUIT)
}

// Restart stops the server at once and starts it again on the same port
// and data, as a database failover or a restart would.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.Stop()
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
}

func (s *Server) stopLocked(sig syscall.Signal) {
	if s.proc == nil {
		return
	}
	_ = s.proc.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.proc.Process.Kill()
		<-s.done
	}
	s.proc = nil
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	s.mu.Lock()
	s.stopLocked(syscall.SIGQUIT)
	s.mu.Unlock()
	os.RemoveAll(s.dir)
}

// URL is the address of database name on the server, password included.
func (s *Server) URL(name string) string { return s.url(name) }

func (s *Server) url(name string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword("desk", s.password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), Path: "/" + name, RawQuery: "sslmode=disable"}
	return u.String()
}

// Password is the superuser's password, for tests that check it never
// shows.
func (s *Server) Password() string { return s.password }

// NewDatabase makes an empty database on s and returns its URL. The
// database stays until the server goes.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	s.mu.Lock()
	s.dbs++
	name := "desk_test_" + strconv.Itoa(s.dbs)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		tb.Fatalf("pgtest: connecting: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return s.url(name)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
