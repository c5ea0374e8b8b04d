package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MaxBody is the largest request body accepted (413 beyond).
const MaxBody = 64 << 10

// Server is the HTTP side of `serve`: webhooks of the channels, the backend's
// events, health and metrics.
type Server struct {
	mux     *http.ServeMux
	store   *Store
	metrics *Metrics
	log     *slog.Logger
	spool   *Spooled // nil without redis.spool

	mu      sync.Mutex
	stopped map[string]string // what stopped for good while serving ("channel telegram") → why
}

// NewServer builds the server with /healthz, /readyz and /metrics.
func NewServer(store *Store, metrics *Metrics, log *slog.Logger) *Server {
	s := &Server{mux: http.NewServeMux(), store: store, metrics: metrics, log: log}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	return s
}

// Handle registers a handler; its request body is limited to MaxBody.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, limitBody(h))
}

// Handler is the whole server, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Stopped records that what (a channel, "channel telegram", or a worker)
// stopped for good while serving, and why: from then on /readyz answers
// 503 and says so. A log line alone left a replica serving without, say,
// Telegram, and nobody the wiser.
func (s *Server) Stopped(what string, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped == nil {
		s.stopped = map[string]string{}
	}
	s.stopped[what] = MaskPhones(why.Error())
}

// stoppedLines are "<what> stopped: <why>", sorted.
func (s *Server) stoppedLines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for what, why := range s.stopped {
		out = append(out, what+" stopped: "+why)
	}
	sort.Strings(out)
	return out
}

// ready answers 200 when messages are taken: Redis answers, or the local
// spool keeps them until it does (the body says which, and the spool's
// depth). 503 when neither, and when a channel or worker stopped for good
// (Stopped): the body names it and why, one line each.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	err := s.store.Ping(ctx)
	if stopped := s.stoppedLines(); len(stopped) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, l := range stopped {
			_, _ = fmt.Fprintln(w, l)
		}
		if err != nil {
			_, _ = fmt.Fprintf(w, "redis not answering: %v\n", err)
		}
		return
	}
	switch {
	case err != nil && s.spool == nil:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, "redis not answering: %v\n", err)
	case err != nil:
		_, _ = fmt.Fprintf(w, "ready: redis not answering (%v); messages kept in the local spool: %d\n", err, s.spool.Depth())
	case s.spool != nil && s.spool.Depth() > 0:
		_, _ = fmt.Fprintf(w, "ready: replaying the local spool: %d\n", s.spool.Depth())
	default:
		_, _ = io.WriteString(w, "ready\n")
	}
}

// Serve listens on addr until ctx is done, then stops taking requests and
// waits up to 15 s for those in flight. ready, if not nil, gets the address
// once listening (tests listen on :0).
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// limitBody refuses bodies over MaxBody with 413 before a handler reads them.
func limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBody {
			Error(w, http.StatusRequestEntityTooLarge, "request body over 64 KiB")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		h.ServeHTTP(w, r)
	})
}

// Error answers with a status and a one-line reason.
func Error(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reason+"\n")
}

// ReadBody reads a limited body, answering 413 or 400 itself on failure.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			Error(w, http.StatusRequestEntityTooLarge, "request body over 64 KiB")
		} else {
			Error(w, http.StatusBadRequest, "could not read request body")
		}
		return nil, false
	}
	return b, true
}

// ParseForm parses a form body, answering 413 or 400 itself on failure.
func ParseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			Error(w, http.StatusRequestEntityTooLarge, "request body over 64 KiB")
		} else {
			Error(w, http.StatusBadRequest, "malformed form body")
		}
		return false
	}
	return true
}
