package registry_test

import "github.com/gridgov/gridgov/internal/testapp/regtest"

type (
	person      = regtest.Person
	page[T any] = regtest.Page[T]
)

var (
	gridCode   = regtest.GridCode
	newPerson  = regtest.NewPerson
	addPeople  = regtest.AddPeople
	importFile = regtest.ImportFile
)
