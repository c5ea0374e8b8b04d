package bot

import (
	"context"
	"time"

	"github.com/minsheng/minsheng/intake"
)

// Channels.
const (
	ChannelSMS      = "sms"
	ChannelTelegram = "telegram"
	ChannelConsole  = "console"
)

// Inbound is a message from a citizen, the same for every channel.
type Inbound struct {
	Channel string `json:"ch"`
	// Conversation is the channel-scoped key of the citizen's conversation:
	// "sms:+8613800138000", "telegram:12345". All of a citizen's state hangs on it.
	Conversation string              `json:"cv"`
	From         string              `json:"from"`            // the sender's address on the channel
	Phone        string              `json:"phone,omitempty"` // the sender's phone, when the channel gives it
	To           string              `json:"to"`              // the published number (or bot) written to
	Text         string              `json:"text"`
	Attachments  []intake.Attachment `json:"att,omitempty"`
	// ProviderID is the channel's id of the message (Twilio MessageSid,
	// Telegram update id): a message seen twice with one id is handled once.
	ProviderID   string           `json:"pid"`
	At           time.Time        `json:"at"`
	SenderName   string           `json:"name,omitempty"`
	TelegramUser int64            `json:"tg_user,omitempty"`
	ReportedBy   *intake.Reporter `json:"reported_by,omitempty"`
}

// Outbound is a message to a citizen, waiting in the send queue.
type Outbound struct {
	Key          string   `json:"key"` // conversation:sequence, the same on every retry
	Channel      string   `json:"ch"`
	Conversation string   `json:"cv"`
	To           string   `json:"to"`             // the citizen's address
	From         string   `json:"from,omitempty"` // our number they wrote to
	Text         string   `json:"text"`
	Template     string   `json:"tpl,omitempty"`  // the template it came from
	Bulk         bool     `json:"bulk,omitempty"` // status and survey, not a reply
	Buttons      []string `json:"buttons,omitempty"`
	Seq          int64    `json:"seq"` // per conversation, in order
}

// Sender delivers outbound messages on one channel. An error wrapping
// queue.ErrPermanent is not retried.
type Sender interface {
	Send(ctx context.Context, m Outbound) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m Outbound) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m Outbound) error { return f(ctx, m) }
