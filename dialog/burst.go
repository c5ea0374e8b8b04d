package dialog

import (
	"time"

	"github.com/minsheng/minsheng/intake/understand"
)

// A plain message to a conversation that is only gathering an appeal is
// answered when its burst is over (Settings.CoalesceWindow), never at
// once. The runtime uses that to take such a message in with one write and
// run the dialog once, when the window ends, instead of at the message and
// again at the window's end: Waits, kept with the state, says the state is
// such; BurstWindow says the message is such.

// Waits reports whether a plain message (one BurstWindow gives a window)
// would only wait for the rest of its burst in this state, now and at any
// later time until the state changes: no survey or reason question waits
// for it, and no receipt is recent enough to make it a supplement, which is
// answered at once. The zero State, a new citizen's, waits.
func (m *Machine) Waits(st *State, now time.Time) bool {
	if m.set.CoalesceWindow <= 0 || st.Survey != nil || st.Reason != nil {
		return false
	}
	// A receipt only grows older: no recent case now, none later.
	return st.Draft != nil || m.recentCase(st, now) == nil
}

// BurstWindow is how long the answer to msg may wait for more of its burst
// in a state that Waits: the coalescing window for a plain message from
// the citizen; 0 for a command, a missed call, a staff report, a reply to
// a given petition or a report of danger now, which are answered as they
// come.
func (m *Machine) BurstWindow(msg *Message) time.Duration {
	if m.set.CoalesceWindow <= 0 || msg.Call || msg.ReportedBy != nil || msg.For != "" || msg.Window > 0 {
		return 0 // and no command parse on the webhook's path when nothing waits
	}
	if cmd, _ := understand.ParseCommand(msg.Text); cmd != understand.None {
		return 0
	}
	if m.urgency.Assess(msg.Text).Emergency() {
		return 0 // the number to call goes at once
	}
	return m.set.CoalesceWindow
}
