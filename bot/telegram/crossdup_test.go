package telegram_test

import (
	"testing"
	"time"

	"github.com/minsheng/minsheng/bot/telegram/telegramtest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// A citizen writes to the bot privately; later staff forward the same
// citizen's reworded complaint from an intake group (another
// conversation): the second petition reaches the backend linked to the
// first.
func TestSameCitizensMatterFromAGroupIsLinkedToTheirPrivateAppeal(t *testing.T) {
	h := newHarness(t, harnessOptions{staff: []int64{staffID}})
	h.start()
	h.fake.AddUpdate(telegramtest.PrivateText(citizenID, "李大爷", "幸福小区5栋下水道堵了好几天，污水漫到路上，臭得不行，请尽快疏通"))
	h.fake.WaitForSent(t, 1, 10*time.Second)
	testwait.For(t, "the private appeal delivered", func() bool { return len(h.petitions()) == 1 })
	h.fake.AddUpdate(forwardOf(telegramtest.OriginUser(citizenID, "李大爷"), "领导好，幸福小区5栋的下水道堵了好多天了，污水都漫到路面上，太臭了，麻烦尽快派人疏通"))
	h.fake.WaitForSent(t, 2, 10*time.Second)
	testwait.For(t, "the forward delivered", func() bool { return len(h.petitions()) == 2 })
	ps := h.petitions()
	if ps[0].Channel != "telegram" || ps[1].Channel != "telegram_group" || ps[1].Citizen.TelegramUser != citizenID {
		t.Fatalf("petitions %s %s citizen %d", ps[0].Channel, ps[1].Channel, ps[1].Citizen.TelegramUser)
	}
	if ps[0].DuplicateOf != "" || ps[1].DuplicateOf != ps[0].ID {
		t.Errorf("duplicate_of: %q then %q, want \"\" then %s", ps[0].DuplicateOf, ps[1].DuplicateOf, ps[0].ID)
	}
}
