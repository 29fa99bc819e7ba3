package httpx

import (
	"net/http"
	"net/url"
)

// XLSX is the content type of an Excel workbook.
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Download writes b as a file to save under name (UTF-8, so a Chinese name
// survives), never cached: exports carry what their caller may see.
func Download(w http.ResponseWriter, name, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
