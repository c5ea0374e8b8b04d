package telegram

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-telegram/bot"
	msbot "github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake"
)

// FilesPath serves the photos and documents citizens sent, to the case
// backend: GET /telegram/files/{file_id}?sig=…. Telegram's own download
// links carry the bot token and expire within an hour, so petitions carry
// this link instead: signed (HMAC of the file id with a key derived from
// the token), resolved through getFile and streamed when fetched, never
// stored.
const FilesPath = "/telegram/files/"

// maxFile is the largest file the Bot API lets a bot download.
const maxFile = 20 << 20

// file is an attachment by file id, with a link through this bot.
func (c *Channel) file(kind, fileID, mime string) intake.Attachment {
	a := intake.Attachment{Kind: kind, FileID: fileID, Type: mime}
	if c.opt.PublicURL != "" {
		a.URL = strings.TrimRight(c.opt.PublicURL, "/") + FilesPath + url.PathEscape(fileID) + "?sig=" + c.fileSig(fileID)
	}
	return a
}

func (c *Channel) fileSig(fileID string) string {
	key := sha256.Sum256([]byte("minsheng telegram files\x00" + c.opt.Token))
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(fileID))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// files serves FilesPath.
type files struct{ c *Channel }

func (h *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("file_id")
	if id == "" || !hmac.Equal([]byte(r.URL.Query().Get("sig")), []byte(h.c.fileSig(id))) {
		msbot.Error(w, http.StatusForbidden, "bad or missing sig")
		return
	}
	f, err := h.c.api.GetFile(r.Context(), &bot.GetFileParams{FileID: id})
	if err != nil {
		h.c.log.Warn("telegram file not found", "err", err)
		msbot.Error(w, http.StatusNotFound, "no such file at Telegram")
		return
	}
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, h.c.api.FileDownloadLink(f), nil)
	resp, err := h.c.opt.HTTPClient.Do(req)
	if err != nil {
		// The error names the link, which holds the token.
		h.c.log.Warn("telegram file download failed", "err", strings.ReplaceAll(err.Error(), h.c.opt.Token, "***"))
		msbot.Error(w, http.StatusBadGateway, "Telegram did not answer")
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msbot.Error(w, http.StatusBadGateway, "Telegram answered "+resp.Status)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	_, _ = io.Copy(w, io.LimitReader(resp.Body, maxFile))
}
