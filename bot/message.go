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

// Address is where messages go on a channel.
type Address struct {
	Channel string `json:"ch"`
	// To is the recipient on the channel: a phone number, a Telegram chat.
	To string `json:"to"`
	// From is what we send from: the published number the citizen wrote
	// to (SMS); empty where the channel has one sender (Telegram).
	From string `json:"from,omitempty"`
	// Thread is the provider's message to answer under (a group's
	// forwarded complaint), empty for a plain message.
	Thread string `json:"re,omitempty"`
}

// Inbound is what arrived on a channel, the same for every channel. It says
// who wrote, who the petition is about, and where answers go, which are
// three different people when staff forward a resident's complaint from a
// group chat.
type Inbound struct {
	Channel string `json:"ch"`
	// Conversation is the key of the conversation this message belongs to
	// (ConversationKey); all of its state hangs on it.
	Conversation string `json:"cv"`
	// Reply is where answers to this message go.
	Reply Address `json:"reply"`
	// Notify is where status and survey messages go when not to Reply
	// (a resident's phone for a complaint forwarded from a group).
	Notify *Address `json:"notify,omitempty"`
	// To is the published number (or bot) written to: it picks the official.
	To string `json:"to"`
	// Citizen is who the petition is about, as far as the channel knows.
	Citizen intake.Citizen `json:"citizen"`
	// ReportedBy is the staff member who forwarded the complaint (nil when
	// the citizen wrote).
	ReportedBy  *intake.Reporter    `json:"reported_by,omitempty"`
	Text        string              `json:"text"`
	Attachments []intake.Attachment `json:"att,omitempty"`
	// ProviderID is the channel's id of the message (Twilio MessageSid,
	// Telegram update id): a message seen twice with one id is handled once.
	ProviderID string    `json:"pid"`
	At         time.Time `json:"at"`
	// For is the petition this message adds to: a reply to the bot's
	// receipt, a survey button pressed.
	For string `json:"for,omitempty"`
	// Source identifies the original of a forwarded message (its chat and
	// message): the same original forwarded again is the same petition.
	Source string `json:"src,omitempty"`
	// WrittenAt is when the original of a forward was written.
	WrittenAt time.Time `json:"written,omitempty"`
	// Window is this message's burst window (staff forwarding several
	// messages of one resident); 0: dialog.coalesce_window.
	Window time.Duration `json:"win,omitempty"`
	// Call: a call to the published number nobody answered (no text).
	Call bool `json:"call,omitempty"`
}

// Outbound is a message to a citizen, waiting in the send queue.
type Outbound struct {
	Key          string   `json:"key"` // conversation:sequence, the same on every retry
	Channel      string   `json:"ch"`
	Conversation string   `json:"cv"`
	To           string   `json:"to"`             // Address.To
	From         string   `json:"from,omitempty"` // Address.From
	Thread       string   `json:"re,omitempty"`   // Address.Thread
	Text         string   `json:"text"`
	Template     string   `json:"tpl,omitempty"`  // the template it came from
	Bulk         bool     `json:"bulk,omitempty"` // status and survey, not a reply
	Buttons      []string `json:"buttons,omitempty"`
	Seq          int64    `json:"seq"` // per conversation, in order
	// Case is the petition the message is about (receipt, status,
	// survey): a channel that can take answers back (a reply in a group,
	// a button) keeps it with what it sent.
	Case string `json:"case,omitempty"`
	// AskContact: offer the citizen a way to share their phone number
	// where the channel has one.
	AskContact bool `json:"ask_contact,omitempty"`
	// Actions are buttons with data of their own (已回电 on an official's
	// call-back list), where the channel has buttons.
	Actions []Action `json:"actions,omitempty"`
	// Vars are Template's variables as text (dialog.VarsOf), for a channel
	// that may only send approved templates with variables, never free
	// text (a mainland SMS gateway); the others send Text.
	Vars map[string]string `json:"vars,omitempty"`
}

// Sender delivers outbound messages on one channel. An error wrapping
// queue.ErrPermanent is not retried; ErrDropped: deliberately not sent;
// ErrOptedOut: the recipient does not want our messages.
type Sender interface {
	Send(ctx context.Context, m Outbound) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m Outbound) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m Outbound) error { return f(ctx, m) }
