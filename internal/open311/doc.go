// Package open311 is gridgov's Open311 GeoReport v2 face
// (http://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/, with the
// page/page_size and extensions=true extensions and mySociety's
// servicerequestupdates. It is a face over casework — there is no second
// model: services are the active leaf event categories, service requests
// are events, updates are steps of an event's timeline.
//
// Every document is served as XML (text/xml, required by the spec) and as
// JSON (the spec's Spark-convention mapping), chosen by the resource's
// .xml or .json suffix. Errors are the spec's list of {code, description}
// with HTTP 400 (bad input, and any other failure), 403 (missing or wrong
// api_key) or 404 (no such resource); code is the HTTP status, description
// names the parameter at fault, in English unless Accept-Language (or
// ?lang=) asks for Chinese.
//
// Publication rule (casework/publication.go): only published events are
// served — a public channel's report with its reporter's own text, an
// internal report once the intake desk published it with a public summary —
// and never those in the sensitive category groups casework.PrivateGroups,
// 11 矛盾纠纷 (disputes) and 12 治安隐患 (security), nor one re-filed into them.
// Requests in those categories are still taken in (the answer's
// service_notice says they are handled confidentially) but are never
// listed, shown, resolved from a token or updated here: such an id answers
// 404 like an unknown one. description is the public description,
// status_notes and update texts the notes staff wrote for the public since
// publication. No answer ever carries a reporter's name, phone, e-mail or
// account, nor who acted on the timeline, nor an internal note; every text
// passes a last scrub (pii.Scrub) that withholds ID and phone numbers and
// counts them in gridgov_open311_withheld_total.
//
// Discovery names the configured public URL (GRIDGOV_PUBLIC_URL), never the
// Host a request claims.
//
// Authentication: POST requests, POST servicerequestupdates and GET
// servicerequestupdates need an api_key (table api_keys: sha256 hex of the
// key, scope open311, status active). The key acts as the principal
// "apikey:<id>" holding event.report over the whole tree; casework writes
// the audit rows. The other GET methods are public, as the spec says.
//
// Choices where the spec leaves room:
//   - service_request_id is the event number; requests are "realtime", so a
//     token is the service_request_id itself.
//   - address_id is taken as an address string (there is no address
//     register yet); an address without lat/long is placed in the area the
//     installation serves (its single root, down to the county when there
//     is only one), whose centre takes it in.
//   - description is optional in Open311 but required by casework: when
//     empty, the service name is used.
//   - email and device_id are accepted and not stored (data minimisation);
//     account_id is echoed in the answer, not stored.
//   - POST servicerequestupdates stores the description as a timeline note
//     (action public_update); its status is recorded in the audit row and
//     never moves the loop. update_id (or an Idempotency-Key header) makes
//     a retried update answer the first result. A retry is recognised by
//     its fields, not its bytes: FixMyStreet sends them in another order on
//     each try, and a multipart client draws a new boundary each time; the
//     same key with a field of another value is refused.
//   - Without start_date/end_date the window of GET requests is the last 90
//     days; with one of them it is 90 days from (or up to) it; a wider span
//     is refused.
//   - GET servicerequestupdates without start_date/end_date answers every
//     update newest first; with them, that window oldest first (as
//     FixMyStreet applies them). page and page_size page through either.
package open311
