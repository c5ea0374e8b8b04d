package understand

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestNeedsPlace(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		// A physical matter somewhere, and nothing says where.
		{"路灯坏了", true},
		{"路燈壞了", true},
		{"路灯坏了好几天了，晚上很黑", true},
		{"北边那盏还是不亮", true},
		{"井盖丢了，晚上看不见", true},
		{"井蓋丟了，晚上看不見", true},
		{"下水道堵了，污水漫到路上", true},
		{"楼上天天半夜装修，吵得没法睡", true},
		{"樓上天天半夜裝修，吵得沒法睡", true},
		{"我们这停水两天了", true},
		{"我們這停電兩天了", true},
		{"我们小区的路灯坏了", true}, // which estate?
		{"工地晚上１２点还在施工，噪音太大", true},
		{"工地晚上１２點還在施工，噪音太大！！", true},
		{"垃圾好几天没人清理了", true},
		{"有人在楼顶违章搭建", true},
		{"路口红绿灯坏了", true},
		{"大树倒在路上了", true},
		{"物业公司不管，电梯天天坏", true}, // 物业 names no estate
		{"停电了，供电局也不管", true},   // the handler, not where
		{"希望政府管一下门口乱停车", true},
		{"ＫＴＶ天天唱到半夜，吵死了", true},
		// A place is already there.
		{"幸福小区3号楼门口的路灯坏了", false},
		{"人民路上的井盖丢了", false},
		{"新城国际花都的电梯天天坏", false},
		{"恒大名都小区后门的马路坑坑洼洼", false},
		{"楚江世纪城的路灯全不亮", false},
		{"碧桂园门口乱停车", false},
		{"A市A3区停水三天了", false},
		{"Ａ市Ａ３区停水三天了", false},
		// The writer's own village or group.
		{"我组的路灯坏了半年了", false},
		{"我们组的路被大车压坏了", false},
		{"本村的垃圾没人清运", false},
		// A named organisation.
		{"奥新燃气公司乱收开户费", false},
		{"创元铝业偷排废水，污染严重", false},
		{"长城驾校收了钱不安排练车", false},
		{"城北供电局拒付加班工资", false},
		// Policy questions, consultations, a person's own file.
		{"今年养老金什么时候调整？", false},
		{"今年養老金什麼時候調整？", false},
		{"2017年省里那个通知现在还执行吗", false},
		{"请问农村医保今年交多少钱", false},
		{"教师职称评审什么时候开始", false},
		{"教師職稱評審什麼時候開始", false},
		{"我的档案在原单位，怎么转出来", false},
		{"公积金怎么提取", false},
		{"公司拖欠工资三个月了", false},
		{"危房改造的补助为什么没有发", false}, // the file, not the house
		{"新房墙体开裂，房产证也办不下来", false},
		{"网上买的热水器有质量问题，商家不退款", false},
		// Nothing physical at all.
		{"我想反映一个问题", false},
		{"医院态度很差", false},
		{"", false},
		{"你好", false},
		{"13912345678", false},
	}
	for _, tt := range tests {
		if got := NeedsPlace(tt.in); got != tt.want {
			t.Errorf("NeedsPlace(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestNeedsPlaceAsksPlaceBound: every place-bound matter that names no place
// must still be asked where, or it reaches the office without one.
func TestNeedsPlaceAsksPlaceBound(t *testing.T) {
	lines := readMessages(t, "testdata/place_bound.txt")
	if len(lines) < 60 {
		t.Fatalf("only %d messages", len(lines))
	}
	for _, s := range lines {
		if loc := Place(s, nil); loc.Found {
			t.Errorf("%q names a place (%q): it does not belong in this file", s, loc.Text)
		}
		if !NeedsPlace(s) {
			t.Errorf("NeedsPlace(%q) = false: a place-bound matter without a place", s)
		}
	}
}

// TestNeedsPlaceNeverAsksOthers: policy questions, consultations, personal
// files and named organisations never cost the citizen a "where".
func TestNeedsPlaceNeverAsksOthers(t *testing.T) {
	lines := readMessages(t, "testdata/not_place_bound.txt")
	if len(lines) < 40 {
		t.Fatalf("only %d messages", len(lines))
	}
	for _, s := range lines {
		if NeedsPlace(s) {
			t.Errorf("NeedsPlace(%q) = true: this matter needs no place", s)
		}
	}
}

// readMessages reads one message a line, skipping blank lines and # comments.
func readMessages(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" && !strings.HasPrefix(s, "#") {
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
