package hot

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/minsheng/minsheng/intake/textnorm"
)

func TestPlaceKey(t *testing.T) {
	for _, tc := range []struct{ place, want string }{
		{"A市", ""},
		{"A3区", ""},
		{"A8县市", ""},
		{"西地省A市", ""},
		{"长沙市岳麓区", ""},
		{"A市A3区", ""},
		{"A市伊景园滨河苑", "伊景园滨河苑"},
		{"A2区丽发新城附近", "丽发新城"},
		{"幸福小区", "幸福小区"}, // ends in 区 but is no region
		{"A市幸福小区门口", "幸福小区"},
		{"A5区社区", ""}, // a kind of place, not a place
		{"A市幼儿园", ""},
		{"A市盛天宏源有限公司", "盛天宏源"},
		{"A市幸福小區", "幸福小区"}, // traditional characters
		{"Ａ市幸福小区", "幸福小区"}, // a full-width letter
		{"", ""},
	} {
		if got := placeKey(tc.place); got != tc.want {
			t.Errorf("placeKey(%q) = %q, want %q", tc.place, got, tc.want)
		}
	}
}

func TestSamePlace(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"伊景园滨河苑", "景园滨河苑", true}, // a spelling variant inside the other
		{"丽发新城", "丽发新城小区", true},
		{"暮云街道丽发新城", "丽发新城小区", true}, // four characters in a row
		{"万国城", "万国城moma", true},
		{"人民路", "人民医院", false},
		{"苑小区", "恒大雅苑小区", false}, // only 苑 and a kind word in common
		{"先福安置小区", "泉塘安置小区b区", false},
		{"大学", "中南大学", false}, // too short to contain
		{"幸福小区", "", false},
	} {
		if got := samePlace(tc.a, tc.b); got != tc.want {
			t.Errorf("samePlace(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestTitle(t *testing.T) {
	for _, tc := range []struct{ place, matter, want string }{
		{"丽发新城小区", "搅拌站", "丽发新城小区·搅拌站"},
		{"定向商品房伊景园滨河苑项目二期三栋前坪", "捆绑销售", "定向商品房伊景园滨河苑项目二期·捆绑销售"},
		{"幸福小区", "", "幸福小区"},
	} {
		got := Title(tc.place, tc.matter)
		if got != tc.want {
			t.Errorf("Title(%q, %q) = %q, want %q", tc.place, tc.matter, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > titleRunes {
			t.Errorf("Title(%q, %q) has %d characters, want at most %d", tc.place, tc.matter, n, titleRunes)
		}
	}
}

func TestMatterWords(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"工地施工噪音很大", "施工噪音"}, // not 噪音 again
		{"小区旁建搅拌站，粉尘大", "搅拌站 粉尘"},
		{"物業費太貴", "物业费"},
		{"你好", ""},
	} {
		if got := strings.Join(matterWords(textnorm.Compact(tc.text)), " "); got != tc.want {
			t.Errorf("matterWords(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func item(id, citizen string, day int, place, text string) Item {
	return Item{ID: id, Citizen: citizen, Time: t0.Add(time.Duration(day) * 24 * time.Hour),
		Place: place, Text: text, Category: "环境保护"}
}

const (
	mixer1 = "丽发新城小区旁边建了搅拌站，日夜轰鸣，粉尘很大，严重影响居民休息"
	mixer2 = "投诉丽发新城附近的搅拌站噪音扰民，晚上睡不着觉"
	mixer3 = "暮云街道丽發新城搅拌站灰尘太大了，请管一管"
	leak   = "丽发新城小区3栋楼顶漏水，物业不管"
)

func TestClustererAdd(t *testing.T) {
	type want struct {
		ok       bool
		id       string
		citizens int
		members  int
	}
	for _, tc := range []struct {
		name  string
		items []Item
		want  []want // after each item
	}{
		{"same matter, same place, three citizens", []Item{
			item("1", "u1", 0, "A2区丽发新城小区", mixer1),
			item("2", "u2", 1, "丽发新城附近", mixer2),
			item("3", "u3", 2, "A市暮云街道丽发新城", mixer3),
		}, []want{{true, "hot-1", 1, 1}, {true, "hot-1", 2, 2}, {true, "hot-1", 3, 3}}},
		{"one citizen writing twice counts once", []Item{
			item("1", "u1", 0, "丽发新城小区", mixer1),
			item("2", "u1", 0, "丽发新城小区", mixer1),
		}, []want{{true, "hot-1", 1, 1}, {true, "hot-1", 1, 2}}},
		{"another matter at the same place is another cluster", []Item{
			item("1", "u1", 0, "丽发新城小区", mixer1),
			item("2", "u2", 0, "丽发新城小区", leak),
		}, []want{{true, "hot-1", 1, 1}, {true, "hot-2", 1, 1}}},
		{"the same matter at another place is another cluster", []Item{
			item("1", "u1", 0, "丽发新城小区", mixer1),
			item("2", "u2", 0, "梅溪湖壹号御湾", "梅溪湖壹号御湾旁边建了搅拌站，日夜轰鸣，粉尘很大，严重影响居民休息"),
		}, []want{{true, "hot-1", 1, 1}, {true, "hot-2", 1, 1}}},
		{"a text naming the cluster's place joins it", []Item{
			item("1", "u1", 0, "丽发新城小区", mixer1),
			item("2", "u2", 0, "广铁集团", "广铁集团在丽发新城小区旁边建搅拌站"),
		}, []want{{true, "hot-1", 1, 1}, {true, "hot-1", 2, 2}}},
		{"a region alone is no place", []Item{
			item("1", "u1", 0, "A市A2区", mixer1),
			item("2", "u2", 0, "", mixer1),
		}, []want{{false, "", 0, 0}, {false, "", 0, 0}}},
		{"a cluster quiet for longer than the window expires", []Item{
			item("1", "u1", 0, "丽发新城小区", mixer1),
			item("2", "u2", 6, "丽发新城小区", mixer2),  // 6 days: joins, the window slides
			item("3", "u3", 12, "丽发新城小区", mixer3), // 6 days after the last: joins
			item("4", "u4", 20, "丽发新城小区", mixer1), // 8 days after the last: a new one
		}, []want{{true, "hot-1", 1, 1}, {true, "hot-1", 2, 2}, {true, "hot-1", 3, 3}, {true, "hot-4", 1, 1}}},
		{"adding a petition twice changes nothing", []Item{
			item("1", "u1", 0, "丽发新城小区", mixer1),
			item("1", "u1", 0, "丽发新城小区", mixer1),
		}, []want{{true, "hot-1", 1, 1}, {true, "hot-1", 1, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(DefaultWindow)
			for i, it := range tc.items {
				k, ok := c.Add(it)
				got := want{ok, k.ID, k.Citizens, len(k.Members)}
				if got != tc.want[i] {
					t.Errorf("Add(item %s) = %+v, want %+v", it.ID, got, tc.want[i])
				}
			}
		})
	}
}

func TestClusterTitleAndLive(t *testing.T) {
	c := New(DefaultWindow)
	c.Add(item("1", "u1", 0, "A2区丽发新城小区", mixer1))
	c.Add(item("2", "u2", 1, "丽发新城小区", mixer2))
	c.Add(item("3", "u3", 1, "梅溪湖壹号御湾", "梅溪湖壹号御湾停水三天了"))
	live := c.Live(t0.Add(2 * 24 * time.Hour))
	if len(live) != 2 {
		t.Fatalf("Live = %d clusters, want 2", len(live))
	}
	if live[0].Title != "丽发新城小区·搅拌站" || live[0].Citizens != 2 {
		t.Errorf("largest = %q with %d citizens, want 丽发新城小区·搅拌站 with 2", live[0].Title, live[0].Citizens)
	}
	if live[1].Title != "梅溪湖壹号御湾·停水" {
		t.Errorf("second title = %q, want 梅溪湖壹号御湾·停水", live[1].Title)
	}
	if got := c.Live(t0.Add(9 * 24 * time.Hour)); len(got) != 0 {
		t.Errorf("Live 8 days after the last petition = %d clusters, want 0", len(got))
	}
}

func TestExpireReturnsWhatEnded(t *testing.T) {
	c := New(DefaultWindow)
	c.Add(item("1", "u1", 0, "丽发新城小区", mixer1))
	c.Add(item("2", "u2", 3, "丽发新城小区", mixer2))
	c.Add(item("3", "u3", 5, "梅溪湖壹号御湾", "梅溪湖壹号御湾停水三天了"))
	for _, step := range []struct {
		day  int
		want []string // ids ended, with their citizens
	}{
		{10, nil},                 // 7 days after the last of hot-1: not more than the window
		{11, []string{"hot-1 2"}}, // 8 days after it
		{11, nil},                 // gone once
		{13, []string{"hot-3 1"}},
	} {
		var got []string
		for _, k := range c.Expire(t0.Add(time.Duration(step.day) * 24 * time.Hour)) {
			got = append(got, fmt.Sprintf("%s %d", k.ID, k.Citizens))
		}
		if strings.Join(got, ",") != strings.Join(step.want, ",") {
			t.Errorf("Expire(day %d) = %q, want %q", step.day, got, step.want)
		}
	}
	// An ended cluster's petition starts a new one.
	if k, _ := c.Add(item("2", "u2", 14, "丽发新城小区", mixer2)); k.ID != "hot-2" || k.Citizens != 1 {
		t.Errorf("petition 2 again after its cluster ended: %s with %d citizens, want hot-2 with 1", k.ID, k.Citizens)
	}
}

func TestHasPlace(t *testing.T) {
	for place, want := range map[string]bool{"A市A2区": false, "": false, "A市幸福小区门口": true, "幼儿园": false} {
		if got := HasPlace(place); got != want {
			t.Errorf("HasPlace(%q) = %v, want %v", place, got, want)
		}
	}
}

func TestJoinIsAddWithoutMembers(t *testing.T) {
	items := []Item{
		item("1", "u1", 0, "A2区丽发新城小区", mixer1),
		item("2", "u2", 1, "丽发新城附近", mixer2),
		item("3", "u2", 1, "丽发新城小区", leak),
		item("4", "u3", 2, "A市暮云街道丽发新城", mixer3),
		item("5", "u4", 2, "A市A2区", mixer3),
		item("2", "u2", 3, "丽发新城附近", mixer2),
	}
	a, j := New(DefaultWindow), New(DefaultWindow)
	for _, it := range items {
		k, okA := a.Add(it)
		is, okJ := j.Join(it)
		if okA != okJ || is != (Issue{ID: k.ID, Title: k.Title, Citizens: k.Citizens}) {
			t.Errorf("item %s: Join = %+v %v, Add = %s %q %d %v", it.ID, is, okJ, k.ID, k.Title, k.Citizens, okA)
		}
	}
	if is, ok := j.Lookup("4"); !ok || is.ID != "hot-1" || is.Citizens != 3 {
		t.Errorf("Lookup(4) = %+v %v, want hot-1 with 3 citizens", is, ok)
	}
	if _, ok := j.Lookup("5"); ok {
		t.Errorf("Lookup(5) found a cluster for a petition without a place")
	}
	multi := j.Clusters(2)
	if len(multi) != 1 || multi[0].ID != "hot-1" || multi[0].Citizens != 3 {
		t.Errorf("Clusters(2) = %+v, want hot-1 with 3 citizens", multi)
	}
	if all := j.Clusters(1); len(all) != 2 {
		t.Errorf("Clusters(1) = %d clusters, want 2 (Clusters expires none)", len(all))
	}
}

// BenchmarkJoinALargeCluster is one more petition joining a campaign of
// 20,000 (every citizen sends the same text about one estate): its cost
// must not grow with the cluster (maxCompared).
func BenchmarkJoinALargeCluster(b *testing.B) {
	c := New(DefaultWindow)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	item := func(i int) Item {
		return Item{ID: fmt.Sprintf("p%d", i), Citizen: fmt.Sprintf("c%d", i), Time: at.Add(time.Duration(i) * time.Second),
			Text: "幸福小区门口的路灯坏了一个月了，晚上很黑，请尽快修理", Place: "幸福小区"}
	}
	for i := range 20000 {
		c.Join(item(i))
	}
	i := 20000
	for b.Loop() {
		c.Join(item(i))
		i++
	}
	if k, _ := c.Join(item(0)); k.Citizens < 20000 {
		b.Fatalf("the campaign split: %+v", k)
	}
}
