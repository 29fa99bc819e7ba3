package calendar

import "time"

// China2026 returns the 2026 holidays and swapped workdays of the State
// Council notice 国务院办公厅关于2026年部分节假日安排的通知 (4 November 2025,
// published by Xinhua): every day of each 放假调休 period, weekend days
// included, and the 调休上班 days.
//
//	元旦    1月1日–3日,   1月4日（周日）上班
//	春节    2月15日–23日, 2月14日（周六）、2月28日（周六）上班
//	清明节  4月4日–6日
//	劳动节  5月1日–5日,   5月9日（周六）上班
//	端午节  6月19日–21日
//	中秋节  9月25日–27日
//	国庆节  10月1日–7日,  9月20日（周日）、10月10日（周六）上班
//
// The slices are new on every call. Other years are entered by the operators
// from that year's notice.
func China2026() (holidays, workdays []Date) {
	periods := []struct {
		name        string
		month       time.Month
		first, last int
	}{
		{"元旦", time.January, 1, 3},
		{"春节", time.February, 15, 23},
		{"清明节", time.April, 4, 6},
		{"劳动节", time.May, 1, 5},
		{"端午节", time.June, 19, 21},
		{"中秋节", time.September, 25, 27},
		{"国庆节", time.October, 1, 7},
	}
	for _, p := range periods {
		for day := p.first; day <= p.last; day++ {
			holidays = append(holidays, Date{Year: 2026, Month: p.month, Day: day})
		}
	}
	workdays = []Date{
		{Year: 2026, Month: time.January, Day: 4},
		{Year: 2026, Month: time.February, Day: 14},
		{Year: 2026, Month: time.February, Day: 28},
		{Year: 2026, Month: time.May, Day: 9},
		{Year: 2026, Month: time.September, Day: 20},
		{Year: 2026, Month: time.October, Day: 10},
	}
	return holidays, workdays
}
