package officeauth

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// CSP is a strict Content-Security-Policy for server-rendered pages whose
// only inline code is the style elements given (their text, hashed): no
// script at all, images and forms from this site only, never framed.
func CSP(styles ...string) string {
	var src []string
	for _, s := range styles {
		sum := sha256.Sum256([]byte(s))
		src = append(src, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	style := "'none'"
	if len(src) > 0 {
		style = strings.Join(src, " ")
	}
	return "default-src 'none'; style-src " + style + "; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// Headers sets the security headers on every response of h — pages, CSV
// files, the chart, errors and redirects alike — before h writes: the
// policy csp, no MIME sniffing, no Referer leaving the page, no framing,
// and nothing cached (every page may carry citizens' data).
func Headers(csp string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}
