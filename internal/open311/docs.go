package open311

// The types below only document the JSON shapes in the OpenAPI document;
// the answers themselves are written from one ordered tree (format.go) so
// that the XML and the JSON match. The XML has the same names: a JSON list
// is an element holding one element per item (services/service,
// service_requests/request, service_request_updates/request_update,
// attributes/attribute, values/value, endpoints/endpoint, formats/format,
// errors/error).

// DiscoveryDoc is the discovery document.
type DiscoveryDoc struct {
	Changeset  string        `json:"changeset"`
	Contact    string        `json:"contact"`
	KeyService string        `json:"key_service"`
	Endpoints  []EndpointDoc `json:"endpoints"`
}

// EndpointDoc is one endpoint of the discovery document.
type EndpointDoc struct {
	Specification string   `json:"specification"`
	URL           string   `json:"url"`
	Changeset     string   `json:"changeset"`
	Type          string   `json:"type"`
	Formats       []string `json:"formats"`
}

// ServiceDoc is one service (an active leaf event category).
type ServiceDoc struct {
	ServiceCode string  `json:"service_code"`
	ServiceName string  `json:"service_name"`
	Description string  `json:"description"`
	Metadata    bool    `json:"metadata"`
	Type        string  `json:"type"`
	Keywords    string  `json:"keywords"`
	Group       *string `json:"group"`
}

// ServiceDefinitionDoc is a service definition.
type ServiceDefinitionDoc struct {
	ServiceCode string         `json:"service_code"`
	Attributes  []AttributeDoc `json:"attributes"`
}

// AttributeDoc is one attribute of a service definition.
type AttributeDoc struct {
	Variable            bool       `json:"variable"`
	Code                string     `json:"code"`
	Datatype            string     `json:"datatype"`
	Required            bool       `json:"required"`
	DatatypeDescription *string    `json:"datatype_description"`
	Order               int        `json:"order"`
	Description         string     `json:"description"`
	Values              []ValueDoc `json:"values,omitempty"`
}

// ValueDoc is one choice of a list attribute.
type ValueDoc struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// PostedDoc answers POST requests.
type PostedDoc struct {
	ServiceRequestID string  `json:"service_request_id"`
	ServiceNotice    *string `json:"service_notice"`
	AccountID        *string `json:"account_id"`
}

// TokenDoc answers GET tokens.
type TokenDoc struct {
	ServiceRequestID string `json:"service_request_id"`
	Token            string `json:"token"`
}

// RequestDoc is one service request (a published event).
type RequestDoc struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       *string  `json:"status_notes"`
	ServiceName       string   `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       *string  `json:"description"`
	AgencyResponsible *string  `json:"agency_responsible"`
	ServiceNotice     *string  `json:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime"`
	Address           *string  `json:"address"`
	AddressID         *string  `json:"address_id"`
	Zipcode           *string  `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          *string  `json:"media_url"`
	Attributes        []struct {
		Label string `json:"label"`
		Name  string `json:"name"`
		Value string `json:"value"`
		Code  string `json:"code"`
	} `json:"attributes,omitempty"`
	ExtendedAttributes *struct {
		Channel string `json:"channel"`
	} `json:"extended_attributes,omitempty"`
}

// UpdateDoc is one update of mySociety's servicerequestupdates.
type UpdateDoc struct {
	UpdateID         string  `json:"update_id"`
	ServiceRequestID string  `json:"service_request_id"`
	Status           string  `json:"status"`
	UpdatedDatetime  string  `json:"updated_datetime"`
	Description      string  `json:"description"`
	MediaURL         *string `json:"media_url"`
}

// UpdateIDDoc answers POST servicerequestupdates.
type UpdateIDDoc struct {
	UpdateID  string `json:"update_id"`
	AccountID string `json:"account_id,omitempty"`
}

// ErrorDoc is one error of the spec's error list.
type ErrorDoc struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}
