package understand

// Call is an emergency number in mainland China.
type Call string

// The emergency numbers a citizen is told to call.
const (
	Call119 Call = "119" // fire, gas, someone trapped, a collapse (消防救援)
	Call120 Call = "120" // unconscious, poisoned, badly hurt (急救)
	Call110 Call = "110" // violence, crime, a person in the water or about to take their life (报警)
)

// emergencyWords are the danger words that call for a number: the part of
// urgency that is danger to people happening now. Each is read like every
// urgency word (not when denied, supposed, a hazard or past); term says
// when it counts at all. A word here wins over the same word in the lists
// of urgency.go.
var emergencyWords = []struct {
	call  Call
	term  urgencyTerm
	words []string
	// callNow: the word calls the number only with a "now" word in its
	// clause or the one before; without, it is only urgent.
	callNow bool
}{
	// Fire, explosion.
	{Call119, termDanger, []string{"火灾", "着火", "著火", "失火", "起火", "大火", "火情", "爆炸",
		"烧起来", "着起来", "燃起来", "烧着了", "火苗", "冒火", "明火", "火势", "火越来越大",
		"火好大", "火很大", "冒火花", "打火花", "在冒火花"}, false},
	// Smoke: a factory's is pollution; a switch box's or a flat's is a fire.
	{Call119, termSmoke, []string{"冒烟", "浓烟", "冒黑烟", "烟很大", "好大的烟", "全是烟", "一股烟",
		"火花", "烧焦"}, false},
	// Gas.
	{Call119, termDanger, []string{"燃气泄漏", "煤气泄漏", "天然气泄漏", "燃气泄露", "煤气泄露",
		"天然气泄露", "液化气泄漏", "漏气", "煤气味", "燃气味", "液化气味", "天然气味", "煤气的味道",
		"燃气的味道", "闻到煤气", "闻到燃气", "闻到天然气", "闻到液化气", "燃气管道破裂", "燃气管破",
		"煤气罐漏", "液化气罐漏", "燃气管道挖断", "燃气管挖断", "天然气管道挖断", "挖断燃气",
		"挖断天然气", "往外喷气", "在喷气"}, false},
	// Someone trapped; a building or wall coming down on people.
	{Call119, termDanger, []string{"困人", "掉层"}, true}, // "两次困人": a lift's record, urgent; an emergency only now
	{Call119, termDanger, []string{"被困", "困在", "困着", "困人了", "被关在", "关在电梯", "关在里面",
		"卡在电梯", "坍塌", "倒塌", "塌方", "垮塌", "垮了", "在垮", "塌下来", "房子塌了", "楼塌了",
		"墙倒了", "砸到", "砸伤", "压在下面", "埋在下面", "被埋", "决堤", "溃坝"}, false},
	// With danger in the text, these say people are in it: "被淹了 车里还有人".
	{Call119, termCue, []string{"出不来了", "出不来", "跑不出来", "没跑出来", "没出来", "还有人",
		"人还在里面", "人还在下面", "上不来"}, false},
	// Someone unconscious, poisoned, bleeding, badly hurt.
	{Call120, termCollapse, []string{"昏迷", "晕倒", "晕过去", "昏过去", "不省人事", "叫不醒",
		"倒地不起", "没有呼吸", "没呼吸", "没有意识", "抽搐", "口吐白沫"}, false},
	{Call120, termCue, []string{"倒在地上", "躺在地上", "起不来", "站不起来", "动不了", "在地上打滚",
		"脸色发白", "不说话了"}, false},
	{Call120, termNow, []string{"呕吐", "头晕", "说不出话", "半边身子"}, false},
	{Call120, termDanger, []string{"中毒", "一氧化碳", "触电", "被电打", "被电到", "电到了",
		"大出血", "血流不止", "流血不止", "头破血流", "奄奄一息", "满身是血", "满脸是血", "一身血",
		"流了好多血", "流了很多血", "一直流血", "在流血", "在出血", "一直出血", "在吐", "烫伤", "烧伤",
		"吃了老鼠药", "喝了农药", "喝农药", "吃了安眠药", "服毒", "出车祸了", "被车撞了", "撞人了"}, false},
	// Violence, crime: the strong words count as they are; the weak ones
	// only with a "now" word, as most complaints tell what was done.
	{Call110, termDanger, []string{"持刀", "拿刀", "拿菜刀", "拿着菜刀", "提着菜刀", "拿着刀", "砍人", "捅人", "行凶", "杀人", "抢劫",
		"打起来了", "在打架", "在打人", "正在打", "要杀", "杀我", "烧死", "在撬", "撬门", "撬锁",
		"抱走", "抱上车", "抢孩子", "救命"}, false},
	{Call110, termNow, []string{"打人", "打架", "斗殴", "殴打", "家暴", "动手打", "砸东西", "绑架",
		"劫持"}, false},
	// A person in the water, or about to take their life.
	{Call110, termDanger, []string{"溺水", "落水", "掉河里", "掉水里", "跳楼", "跳河", "自杀", "轻生",
		"寻死", "不想活了", "不想活"}, false},
	{Call110, termDanger, waterFalls, false},
}

// waterFalls are ways of saying someone fell into water: 掉进河, 跌入鱼塘….
var waterFalls = func() []string {
	var out []string
	for _, v := range []string{"掉进", "掉到", "掉入", "落入", "跌入", "跌进", "掉下", "掉在"} {
		for _, w := range []string{"河", "水", "塘", "湖", "江", "井", "海", "池", "鱼塘", "水塘", "池塘",
			"水库", "粪坑", "水沟", "河沟"} {
			out = append(out, v+w)
		}
	}
	return out
}()

// burningThings make smoke a fire: what burns in a home or a building.
var burningThings = newLexicon("电箱", "配电箱", "开关箱", "电表箱", "电表", "电闸", "插座",
	"插头", "开关", "电线", "线路", "电瓶", "电动车", "充电", "变压器", "楼道", "家里", "屋里",
	"房间", "厨房", "窗户", "楼上", "楼下", "隔壁", "对门", "房子", "仓库", "车库", "地下室",
	"商铺", "门面", "电梯")
