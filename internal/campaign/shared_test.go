package campaign_test

import "github.com/gridgov/gridgov/internal/testapp/regtest"

type page[T any] = regtest.Page[T]

var gridCode = regtest.GridCode
