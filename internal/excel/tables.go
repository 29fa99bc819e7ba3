package excel

import (
	"errors"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Table is one sheet of a small report: a title row of column names and the
// rows below. A cell holding a float64 or an int is written as a number (a
// rate as a percentage when its column has Percent set); anything else as
// text.
type Table struct {
	Name    string
	Columns []Column
	Percent []bool // by column: numbers shown as 0.0%
	Rows    [][]any
}

// WriteTables writes a workbook of several small sheets (a dashboard's
// tables, tens of rows each), each marked with wm on its first line and in
// its page header and footer, as the streamed exports are.
func WriteTables(w io.Writer, wm Watermark, tables []Table) error {
	x := excelize.NewFile()
	defer x.Close()
	var errs []error
	try := func(err error) { errs = append(errs, err) }
	mark := wm.text()
	head, _ := x.NewStyle(headStyle("#000000"))
	markStyle, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "#808080"}})
	pct, _ := x.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	try(x.SetDocProps(&excelize.DocProperties{Creator: wm.Who, Description: mark, Created: wm.At.UTC().Format("2006-01-02T15:04:05Z")}))
	hf := "&C" + strings.ReplaceAll(truncate(mark, 200), "&", "&&")
	for i, t := range tables {
		name := truncate(t.Name, 31) // Excel's limit on a sheet name
		if i == 0 {
			try(x.SetSheetName("Sheet1", name))
		} else {
			_, err := x.NewSheet(name)
			try(err)
		}
		try(x.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: hf, OddFooter: hf}))
		try(x.SetCellStr(name, "A1", mark))
		try(x.SetCellStyle(name, "A1", "A1", markStyle))
		if len(t.Columns) > 1 {
			try(x.MergeCell(name, "A1", colName(len(t.Columns))+"1"))
		}
		for j, c := range t.Columns {
			col := colName(j + 1)
			try(x.SetColWidth(name, col, col, width(c)))
			try(x.SetCellStr(name, col+"2", c.Title))
			try(x.SetCellStyle(name, col+"2", col+"2", head))
		}
		for r, row := range t.Rows {
			for j, v := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, r+3)
				switch v := v.(type) {
				case int, float64:
					try(x.SetCellValue(name, cell, v))
					if j < len(t.Percent) && t.Percent[j] {
						try(x.SetCellStyle(name, cell, cell, pct))
					}
				case nil:
				default:
					s, _ := v.(string)
					try(x.SetCellStr(name, cell, s))
				}
			}
		}
		try(x.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return x.Write(w)
}
