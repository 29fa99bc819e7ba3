// map.js — Leaflet helpers. Maps draw vector GeoJSON on a blank light
// background; a tile layer is added only when the server is configured with a
// tile URL (GRIDGOV_TILE_URL, passed as <meta name="gridgov-tile-url">)
// (e.g. "https://tiles.example/{z}/{x}/{y}.png"). Several templates separated
// by spaces are stacked in order: 天地图 serves its base map and its labels
// (注记) as two layers, on the subdomains t0–t7. Without tiles a map says so,
// and how an administrator sets them. The SVG renderer is used so every
// polygon is its own <path> element (clickable in browser tests).
import L from 'leaflet'
import { t } from './i18n.js'

export { L }

// Leaflet focuses the map on mousedown (for keyboard panning) with a plain
// focus(), which scrolls the page's scroll container until the whole map is in
// view: a click on a grid near the bottom moved the page, and the mouseup then
// landed on another element, so the click was lost. Focus without scrolling.
L.Map.Keyboard.include({
  _onMouseDown() {
    if (this._focused) return
    this._map._container.focus({ preventScroll: true })
  },
})

/** Creates a map in element el; the view defaults to China until data is fitted. */
export function createMap(el, opts = {}) {
  const map = L.map(el, {
    renderer: L.svg({ padding: 0.5 }),
    preferCanvas: false,
    zoomControl: true,
    attributionControl: false,
    minZoom: 3,
    maxZoom: 19,
    zoomSnap: 0.25,
    ...opts,
  })
  const templates = tileTemplates()
  for (const url of templates) {
    const subdomains = url.includes('tianditu') ? '01234567' : 'abc'
    L.tileLayer(url, { maxZoom: 19, subdomains }).addTo(map)
  }
  if (!templates.length) noTilesNotice().addTo(map)
  map.setView([34.5, 108.9], 4)
  L.control.scale({ imperial: false }).addTo(map)
  return map
}

/** The configured tile templates (none: maps draw outlines on a plain background). */
export function tileTemplates() {
  const raw = document.querySelector('meta[name="gridgov-tile-url"]')?.content || ''
  return raw.split(/\s+/).filter(Boolean)
}

// A small notice in the map's corner: no base map is configured. A click
// opens how an administrator sets one (天地图 with a key, or an own server).
function noTilesNotice() {
  const ctl = L.control({ position: 'bottomright' })
  ctl.onAdd = () => {
    const el = L.DomUtil.create('div', 'map-no-tiles')
    const head = L.DomUtil.create('a', 'map-no-tiles-head', el)
    head.textContent = t('ui.map.no_tiles')
    head.href = '#'
    const hint = L.DomUtil.create('div', 'map-no-tiles-hint', el)
    hint.textContent = t('ui.map.no_tiles_hint')
    hint.hidden = true
    L.DomEvent.disableClickPropagation(el)
    L.DomEvent.on(head, 'click', (e) => {
      L.DomEvent.preventDefault(e)
      hint.hidden = !hint.hidden
    })
    return el
  }
  return ctl
}

/** A round marker of an event, coloured by its light (closed and parked ones grey). */
export function eventDot(p, colors, opts = {}) {
  const c = colors[p.light] || colors.none
  return L.circleMarker([p.lat, p.lng], { radius: 6, color: '#fff', weight: 1.5, fillColor: c, fillOpacity: 0.9, className: 'event-dot', ...opts })
}

/**
 * Fits the map to the bounds of the given layers (skips empty ones); opts are
 * Leaflet's fitBounds padding options (default 20 px all round). The fit is
 * not animated: a page left while a zoom animation runs would have Leaflet
 * step a map already removed.
 */
export function fitTo(map, layers, maxZoom = 16, opts = { padding: [20, 20] }) {
  let bounds = null
  for (const l of layers) {
    if (!l || !l.getBounds) continue
    const b = l.getBounds()
    if (!b.isValid()) continue
    bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast())
  }
  if (bounds) map.fitBounds(bounds, { ...opts, maxZoom, animate: false })
  return !!bounds
}

/** Style of organisation areas: the node itself outlined, children lightly filled. */
export function areaStyle(feature) {
  const self = feature?.properties?.role === 'self'
  return self
    ? { color: '#0b3d91', weight: 2.5, dashArray: '6 4', fill: false, interactive: false }
    : { color: '#7f93b3', weight: 1.2, fillColor: '#dfe7f3', fillOpacity: 0.45, interactive: false }
}

const LAYER_COLORS = { zz: '#1565c0', school: '#8e24aa', hospital: '#d32f2f', enterprise: '#6d4c41', market: '#ef6c00', cg: '#00897b', aqsc: '#c0a000' }

/** Style of grid polygons (class grid-poly on each path). */
export function gridStyle(feature) {
  const p = feature?.properties || {}
  const color = LAYER_COLORS[p.layer] || '#1565c0'
  return {
    className: 'grid-poly',
    color,
    weight: 1.5,
    fillColor: color,
    fillOpacity: p.status === 'retired' ? 0.05 : 0.15,
    dashArray: p.status === 'retired' ? '3 3' : null,
  }
}

export const HIGHLIGHT = { weight: 3.5, color: '#e53935', fillColor: '#ffca28', fillOpacity: 0.45 }

// ---- Chinese map coordinate systems (for previewing imported files) ----
// GCJ-02 (Amap, Tencent) and BD-09 (Baidu) → WGS-84, the usual approximate
// inverse (error of about a metre); the server does the real conversion.
const A = 6378245.0
const EE = 0.00669342162296594323
const PI = Math.PI
const X_PI = (PI * 3000.0) / 180.0

function outOfChina(lng, lat) {
  return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271
}
function tLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2) / 3
  r += ((20 * Math.sin(y * PI) + 40 * Math.sin((y / 3) * PI)) * 2) / 3
  r += ((160 * Math.sin((y / 12) * PI) + 320 * Math.sin((y * PI) / 30)) * 2) / 3
  return r
}
function tLng(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2) / 3
  r += ((20 * Math.sin(x * PI) + 40 * Math.sin((x / 3) * PI)) * 2) / 3
  r += ((150 * Math.sin((x / 12) * PI) + 300 * Math.sin((x / 30) * PI)) * 2) / 3
  return r
}
function gcj02ToWgs84([lng, lat]) {
  if (outOfChina(lng, lat)) return [lng, lat]
  let dLat = tLat(lng - 105, lat - 35)
  let dLng = tLng(lng - 105, lat - 35)
  const radLat = (lat / 180) * PI
  let magic = Math.sin(radLat)
  magic = 1 - EE * magic * magic
  const sq = Math.sqrt(magic)
  dLat = (dLat * 180) / (((A * (1 - EE)) / (magic * sq)) * PI)
  dLng = (dLng * 180) / ((A / sq) * Math.cos(radLat) * PI)
  return [lng - dLng, lat - dLat]
}
function bd09ToGcj02([lng, lat]) {
  const x = lng - 0.0065
  const y = lat - 0.006
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI)
  const th = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI)
  return [z * Math.cos(th), z * Math.sin(th)]
}

/** A copy of a GeoJSON object with coordinates converted from crs (wgs84|gcj02|bd09) to WGS-84. */
export function toWgs84(geojson, crs) {
  if (!crs || crs === 'wgs84') return geojson
  const conv = crs === 'bd09' ? (p) => gcj02ToWgs84(bd09ToGcj02(p)) : gcj02ToWgs84
  const walk = (c) => (typeof c[0] === 'number' ? [...conv(c), ...c.slice(2)] : c.map(walk))
  const geom = (g) => {
    if (!g) return g
    if (g.type === 'GeometryCollection') return { ...g, geometries: g.geometries.map(geom) }
    return { ...g, coordinates: walk(g.coordinates) }
  }
  if (geojson.type === 'FeatureCollection') {
    return { ...geojson, features: geojson.features.map((f) => ({ ...f, geometry: geom(f.geometry) })) }
  }
  if (geojson.type === 'Feature') return { ...geojson, geometry: geom(geojson.geometry) }
  return geom(geojson)
}
