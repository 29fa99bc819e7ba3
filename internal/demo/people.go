package demo

import (
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
)

// PeopleHeader is the header row of the sheets PeopleRow fills: titles of
// the registers' people import layout.
var PeopleHeader = []string{"姓名", "公民身份号码", "人口类型", "联系电话", "居住地址", "详细地址", "网格编码", "居住方式"}

var (
	streets = []string{"建设路", "新华街", "兴业路", "和平巷", "人民大道", "文明路", "沿江路", "朝阳街"}
	estates = []string{"阳光花园", "锦绣小区", "翠苑", "江景华庭", "幸福里", "书香门第"}
)

// PeopleRow returns row k of a generated people sheet for bulk loads and
// benchmarks: values of PeopleHeader, all valid, the same for the same k.
// ID numbers are unique over k < 21,000,000 (one per region, birth day,
// sequence and sex; births run from 1946 over 58 years); grids are used in
// turn.
func PeopleRow(k int, region string, grids []string) []string {
	rng := mrand.New(mrand.NewPCG(uint64(k), 11))
	birth := time.Date(1946, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, k/1000)
	id := pii.MakeID(region, birth, (k%1000)/2, k%2 == 1)
	kind, residence := "户籍人口", "自有住房"
	if rng.IntN(6) == 0 {
		kind, residence = "流动人口", "租住"
	}
	street := streets[rng.IntN(len(streets))]
	door := fmt.Sprintf("%s%d号", street, 1+rng.IntN(300))
	address := door + estates[rng.IntN(len(estates))]
	detail := fmt.Sprintf("%s%d栋%d0%d房", address, 1+rng.IntN(20), 1+rng.IntN(30), 1+rng.IntN(6))
	return []string{personName(rng), id, kind, mobile(rng), address, detail, grids[k%len(grids)], residence}
}
