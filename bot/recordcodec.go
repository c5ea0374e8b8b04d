package bot

import (
	"fmt"

	"github.com/minsheng/minsheng/internal/compact"
)

// How a conversation's record is stored: see package compact.
const recordV1 = compact.V1

// encodeRecord is a conversation's record as stored.
func encodeRecord(rec *record) ([]byte, error) {
	return CompactJSON(rec)
}

// CompactJSON is v as JSON deflated the way conversation records are (the
// dictionary holds the bot's own texts, so an Outbound shrinks too):
// for what is kept in Redis by the thousand. ReadCompactJSON reads it back.
func CompactJSON(v any) ([]byte, error) { return compact.Marshal(v) }

// decodeRecord reads a stored record, deflated or plain JSON.
func decodeRecord(stored string, rec *record) error {
	if stored == "" {
		return nil
	}
	if err := ReadCompactJSON(stored, rec); err != nil {
		return fmt.Errorf("conversation record: %w", err)
	}
	return nil
}

// ReadCompactJSON reads what CompactJSON wrote, or plain JSON.
func ReadCompactJSON(stored string, v any) error { return compact.Unmarshal(stored, v) }
