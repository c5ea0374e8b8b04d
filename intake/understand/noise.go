package understand

import (
	"strings"
	"unicode"

	"github.com/minsheng/minsheng/intake/textnorm"
)

// IsNoise reports whether a message has no matter in it at all, though it
// is not a greeting (IsFiller): letters or digits that mean nothing
// ("asdfghjkl", "123456", "asdf jkl qwer", "。。1"), a keyboard run, a
// stray symbol. Such a text opens no petition; the citizen is asked to say
// what they want.
//
// The rule: no Chinese character, and what letters there are do not read
// as pinyin ("lu deng huai le", "tingshui"; an old phone without Chinese
// input still writes a matter); digits alone are noise unless they are a
// phone number ("13912345678": a contact given before the matter) or a
// case number. Keywords (查询, TD, STOP…) and survey answers are read
// before this, by their own functions.
func IsNoise(text string) bool {
	c := textnorm.Compact(text)
	if c == "" || IsFiller(text) {
		return false // nothing, or a greeting: IsFiller's
	}
	letters := 0
	for _, r := range c {
		switch {
		case isHan(r):
			return false
		case r >= 'a' && r <= 'z':
			letters++
		case isDigit(r):
		default:
			return false // another script: not ours to judge
		}
	}
	if len(Phones(text)) > 0 || len(findIDs(textnorm.Fold(text))) > 0 {
		return false
	}
	if letters == 0 {
		return true // digits only, not a number anyone can call
	}
	return !readsAsPinyin(text)
}

// readsAsPinyin reports whether every run of letters in the text splits
// into pinyin syllables (tone digits and spaces allowed), and the text has
// at least two syllables: "ludeng huaile" does, "asdf" does not.
func readsAsPinyin(text string) bool {
	syllables := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(textnorm.Fold(text)), func(r rune) bool {
		return !(r >= 'a' && r <= 'z')
	}) {
		n, ok := pinyinSplit(w)
		if !ok {
			return false
		}
		syllables += n
	}
	return syllables >= 2
}

// pinyinSplit splits a run of letters into pinyin syllables, longest
// first with backtracking; it returns how many, and whether it could.
func pinyinSplit(w string) (int, bool) {
	// best[i]: fewest syllables covering w[:i], -1 when none does.
	best := make([]int, len(w)+1)
	for i := range best {
		best[i] = -1
	}
	best[0] = 0
	for i := 0; i < len(w); i++ {
		if best[i] < 0 {
			continue
		}
		for n := 1; n <= 6 && i+n <= len(w); n++ {
			if pinyinSyllables[w[i:i+n]] && (best[i+n] < 0 || best[i]+1 < best[i+n]) {
				best[i+n] = best[i] + 1
			}
		}
	}
	return best[len(w)], best[len(w)] >= 0
}

// pinyinSyllables are the syllables of Mandarin pinyin without tones
// (ü written v as phones type it).
var pinyinSyllables = func() map[string]bool {
	const all = `a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu lv luan lue lve lun luo ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nv nuan nue nve nuo o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo`
	m := map[string]bool{}
	for _, s := range strings.Fields(all) {
		m[s] = true
	}
	return m
}()

// isSymbolOnly reports whether a text is only punctuation, symbols and
// emoji (no letter, no digit): "？", "。。。", "🙏🙏".
func isSymbolOnly(text string) bool {
	seen := false
	for _, r := range text {
		if unicode.IsSpace(r) {
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
		seen = true
	}
	return seen
}
