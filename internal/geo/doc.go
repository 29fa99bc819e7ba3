// Package geo holds the planar geometry used by gridgov: polygon types,
// GeoJSON input and output, the Chinese coordinate systems (WGS-84, GCJ-02,
// BD-09), validation of imported grids, a point-to-grid index and a
// generator for demo tilings.
//
// Coordinates are longitude/latitude in degrees. Computations are planar
// on degrees unless a name says otherwise (AreaM2 uses a local
// equirectangular projection). Rings are stored closed (first == last) by
// everything this package produces; functions that read rings also accept
// an unclosed ring and treat it as implicitly closed, so that validation can
// report the problem instead of every caller tripping over it.
//
// # Boundary rule
//
// A point is located as if it had been moved an infinitesimal distance
// east, and then an even smaller distance north. In practice:
//
//   - a point on an edge shared by two grids belongs to the grid on the
//     east side of that edge; on a horizontal (east-west) edge it belongs to
//     the grid on the north side;
//   - a point on a vertex shared by several grids belongs to the one grid
//     that contains the points just east (a hair north of east) of it;
//   - a point on the outer boundary of a layer belongs to the grid only if
//     the grid lies east (or, for horizontal edges, north) of it, so points on
//     the east and north edges of the whole area fall outside every grid.
//
// This is the classic half-open crossing-number test: an edge is counted
// when minLat <= p.Lat < maxLat and the point lies strictly west of it. The
// test is evaluated with the edge's endpoints in a canonical order (lower
// latitude first) and with an exact orientation predicate, so two neighbours
// sharing an edge compute the same answer bit for bit, and the answer is
// exactly that of the perturbed point. Because the perturbed point lies on
// no edge, it lies in exactly one grid of a gap-free, overlap-free layer.
// Polygon.Contains, MultiPolygon.Contains, Index.Locate, Index.LocateBrute
// and the rasteriser in Tile all use this rule.
package geo
