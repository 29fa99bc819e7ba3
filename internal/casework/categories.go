package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
)

// Default time limits per urgency and stage. 数字城管 asks urgent matters to
// be filed and dispatched within 10 minutes and normal ones within 30, a
// re-check within 1 hour (urban) to 2 (rural); 12345 answers emergencies in
// 2 hours and general matters in 7 days.
var defaultLimits = map[string]map[string]string{
	"normal": {"intake": "30m", "dispatch": "30m", "sign": "2wh", "handle": "5wd", "check": "2h"},
	"urgent": {"intake": "10m", "dispatch": "10m", "sign": "30m", "handle": "4h", "check": "1h"},
}

// seed is the category tree installed on first start: the 数字城管 event
// classes (2-digit major + 2-digit minor code) and the 综治 and 12345 classes.
// Fields: code, name, default unit key, handle limit (normal), closing criterion.
var seed = []struct{ code, name, unit, handle, criterion string }{
	{"01", "市容环境", "", "", ""},
	{"0101", "暴露垃圾", "cg", "4wh", "垃圾清理干净，无残留"},
	{"0102", "积存垃圾渣土", "cg", "1wd", "渣土清运完毕"},
	{"0103", "道路不洁", "cg", "4wh", "路面清扫干净"},
	{"0104", "水域不洁", "sw", "1wd", "水面漂浮物清理干净"},
	{"02", "宣传广告", "", "", ""},
	{"0201", "非法小广告", "cg", "1wd", "小广告清除干净"},
	{"0202", "违规户外广告", "cg", "5wd", "广告拆除或整改到位"},
	{"03", "施工管理", "", "", ""},
	{"0301", "施工扰民", "zj", "1wd", "施工时段符合规定"},
	{"0302", "工地扬尘", "zj", "1wd", "扬尘措施落实到位"},
	{"04", "街面秩序", "", "", ""},
	{"0401", "店外经营", "cg", "4wh", "经营活动回归店内"},
	{"0402", "占道经营", "cg", "4wh", "占道摊点清理"},
	{"0403", "私搭乱建", "cg", "20wd", "违法建设拆除或停工（停工 4 小时内）"},
	{"0404", "乱停车", "ga", "2wh", "车辆挪离或处罚"},
	{"05", "突发事件", "", "", ""},
	{"0501", "路面塌陷", "zj", "4h", "现场围挡并修复"},
	{"0502", "自来水管破裂", "sw", "4h", "管道修复、恢复供水"},
	{"0503", "燃气泄漏", "rq", "2h", "泄漏点处置、无安全隐患"},
	{"0504", "道路积水", "sw", "4h", "积水排除"},
	{"06", "其他", "", "", ""},
	{"0601", "其他事件", "", "5wd", "按事项要求办结"},
	{"11", "矛盾纠纷", "", "", ""},
	{"1101", "邻里纠纷", "sf", "10wd", "调解达成协议或依法引导"},
	{"1102", "婚姻家庭纠纷", "sf", "10wd", "调解达成协议或依法引导"},
	{"1103", "劳资纠纷", "rs", "10wd", "欠薪问题处理到位"},
	{"1104", "土地山林纠纷", "zr", "15wd", "权属争议调处完毕"},
	{"1105", "物业纠纷", "zj", "10wd", "物业问题处理到位"},
	{"12", "治安隐患", "", "", ""},
	{"1201", "治安隐患", "ga", "1wd", "隐患排除"},
	{"1202", "可疑人员或线索", "ga", "4wh", "核查处置完毕"},
	{"13", "安全隐患", "", "", ""},
	{"1301", "消防安全隐患", "yj", "1wd", "隐患整改到位"},
	{"1302", "燃气安全隐患", "rq", "4h", "隐患排除"},
	{"1303", "危房", "zj", "5wd", "人员撤离、房屋处置"},
	{"1304", "地质灾害隐患", "zr", "1wd", "设警示、监测或治理"},
	{"14", "民生服务", "", "", ""},
	{"1401", "停水", "sw", "1wd", "恢复供水"},
	{"1402", "停电", "gd", "1wd", "恢复供电"},
	{"1403", "路灯不亮", "cg", "2wd", "路灯修复"},
	{"1404", "道路设施损坏", "zj", "5wd", "设施修复"},
	{"15", "求助", "", "", ""},
	{"1501", "困难求助", "mz", "5wd", "救助到位或告知办理途径"},
	{"1502", "老人一键呼叫", "mz", "2h", "上门查看并处置"},
	{"16", "咨询", "", "", ""},
	{"1601", "政策咨询", "", "5wd", "答复到位"},
	{"17", "投诉", "", "", ""},
	{"1701", "投诉", "", "7wd", "核实处理并答复"},
	{"18", "建议", "", "", ""},
	{"1801", "建议", "", "15wd", "研究并答复"},
}

// attrsOf gives some categories extra fields (Open311 attributes).
var attrsOf = map[string][]Attribute{
	"0403": {{Code: "stage", Datatype: "singlevaluelist", Required: true, Description: "建设状态",
		Values: []AttrValue{{"building", "正在建设"}, {"built", "已建成"}}}},
	"0502": {{Code: "diameter_mm", Datatype: "number", Required: false, Description: "管径（毫米）"}},
	"1101": {{Code: "parties", Datatype: "number", Required: false, Description: "当事人数"}},
}

// EnsureCategories installs the seed categories that are missing.
func EnsureCategories(ctx context.Context, d *db.DB) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		for _, c := range seed {
			limits := map[string]map[string]string{}
			for urg, stages := range defaultLimits {
				limits[urg] = map[string]string{}
				for k, v := range stages {
					limits[urg][k] = v
				}
			}
			if c.handle != "" {
				limits["normal"]["handle"] = c.handle
			}
			parent := any(nil)
			if len(c.code) == 4 {
				parent = c.code[:2]
			}
			attrs := attrsOf[c.code]
			if attrs == nil {
				attrs = []Attribute{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO categories (code, parent_code, name, default_unit_code, limits, closing_criterion, attributes, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`,
				c.code, parent, c.name, c.unit, mustJSON(limits), c.criterion, mustJSON(attrs), true, now, now); err != nil {
				return err
			}
		}
		return nil
	})
}

const categoryCols = "code, COALESCE(parent_code, ''), name, COALESCE(default_unit_code, ''), limits, closing_criterion, attributes, active"

func scanCategory(sc interface{ Scan(...any) error }) (Category, error) {
	var c Category
	var limits, attrs string
	if err := sc.Scan(&c.Code, &c.ParentCode, &c.Name, &c.DefaultUnitCode, &limits, &c.ClosingCriterion, &attrs, &c.Active); err != nil {
		return c, err
	}
	c.Level = 1
	if c.ParentCode != "" {
		c.Level = 2
	}
	if err := json.Unmarshal([]byte(limits), &c.Limits); err != nil {
		return c, err
	}
	return c, json.Unmarshal([]byte(attrs), &c.Attributes)
}

// Categories lists the category tree by code.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+categoryCols+" FROM categories ORDER BY code")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Category{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// category loads an active leaf category, or a field error on field.
func (s *Service) category(ctx context.Context, q db.Querier, field, code string) (Category, error) {
	c, err := scanCategory(q.QueryRowContext(ctx, "SELECT "+categoryCols+" FROM categories WHERE code = ?", strings.TrimSpace(code)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!c.Active || c.Level != 2)) {
		return c, apperr.Field(field, "event.category_unknown", "code", code)
	}
	return c, err
}

// limit is the time limit of a stage for an urgency.
func (c Category) limit(urgency, stage string) string {
	if l := c.Limits[urgency][stage]; l != "" {
		return l
	}
	return defaultLimits[urgency][stage]
}
