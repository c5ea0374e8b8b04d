package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Channel is one way citizens reach the bot: SMS, Telegram, the terminal.
// A channel is a leaf. It turns what its provider sends into an Inbound for
// the Intake it was given, delivers Outbound messages through its Sender,
// and declares its HTTP endpoints; nothing in bot names a channel. See
// docs/ARCHITECTURE.md, "Adding a channel".
type Channel interface {
	// Name is the channel's name, the Channel of its Inbound, Outbound and
	// Address values ("sms", "telegram").
	Name() string
	// Sender delivers the channel's outbound messages; nil for a channel
	// that only takes in (calls, answered by SMS).
	Sender() Sender
	// Routes are the channel's HTTP endpoints (none for the terminal).
	Routes() []Route
}

// Route is one HTTP endpoint: a ServeMux pattern ("POST /sms/twilio") and
// its handler. Bodies are limited to MaxBody.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Runner is a channel with work of its own besides answering HTTP (the
// Telegram poller): the runtime runs it with the workers, until ctx ends.
type Runner interface {
	Run(ctx context.Context) error
}

// Intake is where a channel hands what arrived. The Pipeline is one.
type Intake interface {
	// Handle takes in one message: recorded, deduplicated by its
	// ProviderID, answered through the send queue.
	Handle(ctx context.Context, in Inbound) (Result, error)
	// OptOut records that the citizen of a conversation wants no more
	// status or survey messages (the provider reported an unsubscribe).
	OptOut(ctx context.Context, conversation string) error
}

// Resender puts a message back into the send queue (a re-send after the
// carrier reported a transient failure).
type Resender interface {
	Enqueue(ctx context.Context, m Outbound) error
}

// ChannelEnv is what the runtime lends a channel when it is built.
type ChannelEnv struct {
	Intake Intake
	Resend Resender
	// Redis and Prefix hold the channel's own records (delivery receipts,
	// rate limits, leases), next to the conversations: keys under
	// Prefix, with a hash tag where a script needs one.
	Redis   redis.UniversalClient
	Prefix  string
	Metrics prometheus.Registerer
	Log     *slog.Logger
	Now     func() time.Time
	// Officials answers about the published numbers' officials (voice
	// forwards calls, Telegram takes their commands); nil when none are
	// configured.
	Officials Officials
}

// Officials is what channels may ask of the officials' side (会后联系).
type Officials interface {
	// Availability is an official's state now and where calls to their
	// published number are forwarded; Known is false for a number that
	// is not an official's.
	Availability(ctx context.Context, number string) (Availability, error)
	// Command runs an official's (or their office's) chat command:
	// /busy 2h, /busy 16:30 开会, /free, /status, /callbacks. ok is false
	// when the sender is neither an official nor their office.
	Command(ctx context.Context, c Command) (a Answer, ok bool, err error)
	// Press acts on a button of an officials' message (已回电) and returns
	// what to show the one who pressed.
	Press(ctx context.Context, p Command) (string, error)
}

// Availability is an official's state: available, busy (until, reason)
// or off_hours (until the hours begin).
type Availability struct {
	Known     bool
	State     string
	Until     time.Time
	Reason    string
	ForwardTo string // the official's own phone, for calls; "" = none
}

// Command is what an official (or their office) sent a channel: a command
// line, or a button's data (Press).
type Command struct {
	Channel string
	User    string // the sender on the channel
	Chat    string // where it was sent (their private chat, the office chat)
	Name    string
	Text    string
}

// Answer is the reply to a Command.
type Answer struct {
	Text    string
	Actions []Action
}

// Action is a button under a message: its label and the data a press
// brings back (Officials.Press).
type Action struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// ErrOptedOut, wrapped by a Sender's error, means the provider says the
// recipient does not want our messages (Twilio 21610, Telegram 403 "bot was
// blocked by the user"): the send queue records the opt-out for the
// conversation and does not retry.
var ErrOptedOut = errors.New("recipient opted out")

// ErrDropped, wrapped by a sender's error, means the message was
// deliberately not sent (a number outside the allowed countries, a
// reply loop): it is acknowledged and counted, not retried, not a dead letter.
var ErrDropped = errors.New("dropped")

// ConversationKey is the key of a conversation: the channel and the
// channel's id of whom the conversation is with ("sms:+8613912345678",
// "telegram:123456789"). Every key is built here.
func ConversationKey(channel, id string) string { return channel + ":" + id }
