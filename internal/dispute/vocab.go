// Package dispute keeps the disputes of the one door (矛盾纠纷多元化解,
// "只进一扇门、最多跑一地"): the cases taken in from every source, their
// parties, their routing by type and complexity (访、调、裁、审、处), the
// mediation record the 人民调解法 asks for, the agreements and their judicial
// confirmation, and the mediators' subsidies (以案定补).
package dispute

import "slices"

// The kinds of dispute the seeds name first, then the common rest.
var Types = []string{
	"neighbour",        // 邻里纠纷
	"marriage_family",  // 婚姻家庭纠纷
	"land_forest",      // 山林土地纠纷
	"land_acquisition", // 项目征地拆迁纠纷
	"labour_wages",     // 劳资纠纷、欠薪
	"property_mgmt",    // 物业纠纷
	"contract_debt",    // 合同、借贷纠纷
	"traffic",          // 交通事故纠纷
	"medical",          // 医疗纠纷
	"other",            // 其他
}

// Routes are where a case is sent to be settled (访调裁审处): the three
// kinds of mediation, arbitration, the court's quick trial or litigation,
// the petition system, or plain administrative handling.
var Routes = []string{
	"people_mediation",   // 人民调解
	"admin_mediation",    // 行政调解
	"industry_mediation", // 行业性、专业性调解
	"arbitration",        // 仲裁
	"litigation",         // 速裁快审、诉讼
	"petition",           // 信访
	"admin_handling",     // 行政处理
}

// Sources are the doors a case comes in at.
var Sources = []string{
	"screening",      // a finding of a screening round (排查)
	"event",          // an event of the closed loop of a dispute category
	"grid",           // a grid member in the field
	"hotline",        // 12345
	"walk_in",        // a visit to the centre (来访)
	"police",         // 110: a non-criminal dispute handed over
	"court_referral", // a court's pre-litigation referral (诉前委派、委托)
	"petition",       // a petition routed to mediation
}

// Complexities split simple cases from complex ones (繁简分流).
var Complexities = []string{"simple", "complex"}

// Known reports whether v is one of the values of list (Types, Routes,
// Sources, Complexities).
func Known(list []string, v string) bool { return slices.Contains(list, v) }
