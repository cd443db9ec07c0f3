package apptivotest

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Ids of seed customers that tests refer to by purpose.
const (
	IDApptivoInc   = 1224395 // Apptivo's first reference record, verbatim
	IDTestCustomer = 1333795 // Apptivo's second reference record, verbatim (note its non-empty removeEmailAddresses)
	IDScriptName   = 1000007 // markup in name and other fields
	IDUnicode      = 1000004 // Müller & Söhne GmbH
	IDBigInt       = 1000009 // numbers a float64 would corrupt
	IDEmpty        = 1000010 // no phones, emails or addresses
	IDLegacyValues = 1000011 // stored values that today's validation would reject
	IDLongValues   = 1000008 // 200-character addressLine1 and other long text
)

// refApptivoInc is the customerData of the first example on Apptivo's update
// page, byte for byte, so the simulator serves the shape the real API does.
const refApptivoInc = `{"customAttributes":[{"customAttributeId":"input_1528893649501_367_1127461528893649501_704","customAttributeName":"input_1528893649501_117_839291528893649501_645","customAttributeValue":"","attributeValues":[],"customAttributeType":"input","fieldType":"NUMBER","t":"Y","customAttributeTagName":"input_1528893649501_117_839291528893649501_645","undefined":"","input_1528893649501_117_839291528893649501_645":""},{"customAttributeId":"input_1530531982205_792_1049571530531982205_275","customAttributeName":"input_1530531982205_532_982921530531982205_335","customAttributeValue":"","attributeValues":[],"customAttributeType":"input","fieldType":"NUMBER","t":"Y","customAttributeTagName":"input_1530531982205_532_982921530531982205_335","undefined":"","input_1530531982205_532_982921530531982205_335":""},{"customAttributeId":"select_1528893649502_389_820021528893649502_920","customAttributeName":"select_1528893649502_583_987801528893649502_923","attributeValues":[],"customAttributeType":"select","fieldType":"NUMBER","t":"Y","customAttributeTagName":"select_1528893649502_583_987801528893649502_923"}],"customerId":1224395,"customerName":"Apptivo, Inc.","customerNumber":"60","customerCategory":"","customerCategoryId":null,"statusName":"Active","statusId":10000,"defaultBillingCurrency":"USD","assigneeObjectRefName":"sites user","assigneeObjectRefId":76886,"assigneeObjectId":8,"description":"","phoneNumber":"","contactEmail":"","skypeName":"","parentCustomerName":"","parentCustomerId":null,"employeeRange":"","employeeRangeId":null,"website":"","tickerSymbol":"","annualRevenue":null,"annualRevenueCurrencyCode":"USD","campaignName":"","campaignId":null,"creditRating":"","marketName":"","marketId":null,"segmentName":"","segmentId":null,"industryName":"","industryId":null,"paymentTerm":"Net 30","paymentTermId":98234,"ownership":"","slaName":"","slaId":null,"isUnsubscribed":"N","removeLabels":[],"accounts":[],"territories":[],"isBounced":"N","bouncedReason":null,"isResponded":"N","syncToGoogle":"N","followUpDate":null,"followUpDescription":null,"createdByName":"sites user","lastUpdatedByName":"sites user","creationDate":"2018-08-28 06:38:34","lastUpdateDate":"2018-08-28 06:38:34","isExistingCustomer":"Y","isAffiliate":"Y","faceBookURL":"","twitterURL":"","linkedInURL":"","createdBy":75746,"lastUpdatedBy":null,"labels":[],"phoneNumbers":[{"phoneNumber":"5555555555","phoneType":"Business","phoneTypeCode":"PHONE_BUSINESS","id":"cust_phone_input","communicationId":1}],"removePhoneNumbers":[],"emailAddresses":[{"emailAddress":"ABC@berijam.com","emailTypeCode":"BUSINESS","emailType":"Business","id":"cont_email_input","communicationId":1}],"addresses":[{"id":"address_section_attr_id_f6dd7f7c-0add-4fef-aeea-5bd3541718af","addressId":15243737,"accountAddressId":1117581,"addressAttributeId":"address_section_attr_id","addressType":"Billing Address","addressTypeCode":"1","addressLine1":"22","addressLine2":"1","city":"texas","state":"Alaska","stateCode":"AK","countryId":176,"countryName":"United States","countryCode":"US","zipCode":"43545","addressGroupName":"Address1","isAdded":false}],"affiliateLogoId":null}`

// refTestCustomer is the customerData of the second example on Apptivo's
// update page, byte for byte.
const refTestCustomer = `{"customAttributes":[],"customerId":1333795,"customerName":"TestCustomer","customerNumber":"103","customerCategory":"","customerCategoryId":null,"statusName":"Active","statusId":10000,"defaultBillingCurrency":"INR","assigneeObjectRefName":"Db2Es s","assigneeObjectRefId":77021,"assigneeObjectId":8,"description":"","phoneNumber":"","contactEmail":"","skypeName":"","parentCustomerName":"","parentCustomerId":null,"employeeRange":"","employeeRangeId":null,"website":"","tickerSymbol":"","annualRevenue":null,"annualRevenueCurrencyCode":"USD","campaignName":"","campaignId":null,"creditRating":"","marketName":"","marketId":null,"segmentName":"","segmentId":null,"industryName":"","industryId":null,"paymentTerm":"Net 30","paymentTermId":98763,"ownership":"","slaName":"","slaId":null,"isUnsubscribed":"N","removeLabels":[],"accounts":[],"territories":[],"isBounced":"N","bouncedReason":null,"isResponded":"N","syncToGoogle":"N","supportPlanName":"","supportPlanId":null,"followUpDate":null,"followUpDescription":null,"createdByName":"sites user","lastUpdatedByName":"sites user","creationDate":"2019-01-07 12:54:00","lastUpdateDate":"2019-01-10 02:38:19","isExistingCustomer":"N","isAffiliate":"Y","faceBookURL":"","twitterURL":"","linkedInURL":"","createdBy":75746,"lastUpdatedBy":null,"labels":[],"phoneNumbers":[{"phoneNumber":"5555554424","phoneType":"Business","phoneTypeCode":"PHONE_BUSINESS","id":"cust_phone_input","communicationId":1}],"removePhoneNumbers":[],"emailAddresses":[{"emailAddress":"apptivoTest2@berijam.com","emailTypeCode":"BUSINESS","emailType":"Business","id":"cont_email_input","communicationId":1}],"removeEmailAddresses":[{"emailAddress":"apptivoTest1@berijam.com","emailTypeCode":"BUSINESS","emailType":"Business","id":"cont_email_input","communicationId":1}],"addresses":[{"id":"address_section_attr_id_2e46a748-20ff-47d0-95ef-8a1ee37bb93b","addressId":22998677,"accountAddressId":1251158,"addressAttributeId":"address_section_attr_id","addressType":"Billing Address","addressTypeCode":"1","addressLine1":"22","addressLine2":"ss street","city":"texas","county":"","state":"Arizona","stateCode":"AZ","countryId":176,"countryName":"United States","countryCode":"US","zipCode":"55566","addressGroupName":"Address1","isAdded":false}],"affiliateLogoId":null}`

// seedRecords returns the seed customers as JSON, decoded afresh by every New
// so servers never share state.
func seedRecords() []json.RawMessage {
	var out []json.RawMessage
	for _, ref := range []string{refApptivoInc, refTestCustomer} {
		m, err := decodeObject([]byte(ref))
		if err != nil {
			panic("apptivotest: reference record: " + err.Error())
		}
		if _, ok := m["version"]; !ok {
			m["version"] = json.Number("1")
		}
		b, err := encodeJSON(m)
		if err != nil {
			panic("apptivotest: reference record: " + err.Error())
		}
		out = append(out, b)
	}
	for _, c := range seedCustomers() {
		b, err := encodeJSON(c.build())
		if err != nil {
			panic("apptivotest: seed " + c.name + ": " + err.Error())
		}
		out = append(out, b)
	}
	return out
}

type seedPhone struct{ number, kind string }

type seedEmail struct{ address, kind string }

type seedAddress struct {
	kind                                         string // Billing, Shipping or Home
	line1, line2, city, county, state, stateCode string
	zip, country                                 string // country: ISO code
}

type seedCustomer struct {
	id                   int64
	number, name         string
	inactive             bool
	currency             string
	assignee             string
	assigneeID           int64
	industry             string
	industryID           int64
	employees            string
	website, description string
	revenue              string // JSON number text; "" for null
	created, updated     string
	createdBy, updatedBy string
	version              int
	phones               []seedPhone
	emails               []seedEmail
	addresses            []seedAddress
	custom               string // raw JSON array of customAttributes; "" for the firm's usual two
	labels               string // raw JSON array; "" for []
}

// tierAttrs is the firm's usual pair of custom fields (the same attribute ids
// as on Apptivo's reference record, since they belong to the same firm).
func tierAttrs(score, tier string) string {
	return `[{"customAttributeId":"input_1528893649501_367_1127461528893649501_704","customAttributeName":"input_1528893649501_117_839291528893649501_645","customAttributeValue":` + score + `,"attributeValues":[],"customAttributeType":"input","fieldType":"NUMBER","t":"Y","customAttributeTagName":"input_1528893649501_117_839291528893649501_645","undefined":"","input_1528893649501_117_839291528893649501_645":` + score + `},` +
		`{"customAttributeId":"select_1528893649502_389_820021528893649502_920","customAttributeName":"select_1528893649502_583_987801528893649502_923","customAttributeValue":"` + tier + `","attributeValues":[{"attributeId":"tier_` + tier + `","attributeValue":"` + tier + `","shape":""}],"customAttributeType":"select","fieldType":"NUMBER","t":"Y","customAttributeTagName":"select_1528893649502_583_987801528893649502_923"}]`
}

func mustDecode(s string) any {
	v, err := decodeAny(s)
	if err != nil {
		panic("apptivotest: seed JSON: " + err.Error() + ": " + s)
	}
	return v
}

func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func countryOf(code string) (int64, string) {
	switch code {
	case "US":
		return 176, "United States"
	case "GB":
		return 175, "United Kingdom"
	case "DE":
		return 57, "Germany"
	case "IN":
		return 101, "India"
	case "JP":
		return 108, "Japan"
	}
	panic("apptivotest: seed country " + code)
}

func (c seedCustomer) build() map[string]any {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return json.Number(s)
	}
	status, statusID := "Active", int64(10000)
	if c.inactive {
		status, statusID = "Inactive", 10001
	}
	custom, labels := c.custom, c.labels
	if custom == "" {
		custom = tierAttrs(`""`, "Silver")
	}
	if labels == "" {
		labels = "[]"
	}
	var industryID any
	if c.industryID != 0 {
		industryID = num(c.industryID)
	}
	phones := []any{}
	for i, p := range c.phones {
		phones = append(phones, map[string]any{
			"phoneNumber": p.number, "phoneType": p.kind, "phoneTypeCode": "PHONE_" + upper(p.kind),
			"id": "cust_phone_input", "communicationId": num(int64(i + 1)),
		})
	}
	emails := []any{}
	for i, e := range c.emails {
		emails = append(emails, map[string]any{
			"emailAddress": e.address, "emailTypeCode": upper(e.kind), "emailType": e.kind,
			"id": "cont_email_input", "communicationId": num(int64(i + 1)),
		})
	}
	addresses := []any{}
	for i, a := range c.addresses {
		seq := (c.id-1000000)*10 + int64(i+1)
		addressID := 31000000 + seq
		countryID, countryName := countryOf(a.country)
		code := map[string]string{"Billing": "1", "Shipping": "2", "Home": "3"}[a.kind]
		addresses = append(addresses, map[string]any{
			"id":                 fmt.Sprintf("address_section_attr_id_%08x-%04x-4000-8000-%012x", c.id, i+1, addressID),
			"addressId":          num(addressID),
			"accountAddressId":   num(2100000 + seq),
			"addressAttributeId": "address_section_attr_id",
			"addressType":        a.kind + " Address",
			"addressTypeCode":    code,
			"addressLine1":       a.line1,
			"addressLine2":       a.line2,
			"city":               a.city,
			"county":             a.county,
			"state":              a.state,
			"stateCode":          a.stateCode,
			"countryId":          num(countryID),
			"countryName":        countryName,
			"countryCode":        a.country,
			"zipCode":            a.zip,
			"addressGroupName":   fmt.Sprintf("Address%d", i+1),
			"isAdded":            false,
		})
	}
	return map[string]any{
		"id":                        strconv.FormatInt(c.id, 10),
		"objectId":                  num(3),
		"customAttributes":          mustDecode(custom),
		"customerId":                num(c.id),
		"customerName":              c.name,
		"customerNameNotAnalysed":   c.name,
		"customerNumber":            c.number,
		"customerCategory":          "",
		"customerCategoryId":        nil,
		"statusName":                status,
		"statusId":                  num(statusID),
		"defaultBillingCurrency":    c.currency,
		"assigneeObjectRefName":     c.assignee,
		"assigneeObjectRefId":       num(c.assigneeID),
		"assigneeObjectId":          num(8),
		"description":               c.description,
		"phoneNumber":               "",
		"contactEmail":              "",
		"skypeName":                 "",
		"parentCustomerName":        "",
		"parentCustomerId":          nil,
		"employeeRange":             c.employees,
		"employeeRangeId":           nil,
		"website":                   c.website,
		"tickerSymbol":              "",
		"annualRevenue":             nullable(c.revenue),
		"annualRevenueCurrencyCode": c.currency,
		"campaignName":              "",
		"campaignId":                nil,
		"creditRating":              "",
		"marketName":                "",
		"marketId":                  nil,
		"segmentName":               "",
		"segmentId":                 nil,
		"industryName":              c.industry,
		"industryId":                industryID,
		"paymentTerm":               "Net 30",
		"paymentTermId":             num(98234),
		"ownership":                 "",
		"slaName":                   "",
		"slaId":                     nil,
		"isUnsubscribed":            "N",
		"removeLabels":              []any{},
		"accounts":                  []any{},
		"territories":               []any{},
		"isBounced":                 "N",
		"bouncedReason":             nil,
		"isResponded":               "N",
		"syncToGoogle":              "N",
		"supportPlanName":           "",
		"supportPlanId":             nil,
		"followUpDate":              nil,
		"followUpDescription":       nil,
		"createdByName":             c.createdBy,
		"lastUpdatedByName":         c.updatedBy,
		"creationDate":              c.created,
		"lastUpdateDate":            c.updated,
		"isExistingCustomer":        "Y",
		"isAffiliate":               "N",
		"faceBookURL":               "",
		"twitterURL":                "",
		"linkedInURL":               "",
		"createdBy":                 num(75746),
		"lastUpdatedBy":             nil,
		"labels":                    mustDecode(labels),
		"phoneNumbers":              phones,
		"removePhoneNumbers":        []any{},
		"emailAddresses":            emails,
		"removeEmailAddresses":      []any{},
		"addresses":                 addresses,
		"removeAddresses":           []any{},
		"affiliateLogoId":           nil,
		"version":                   num(int64(c.version)),
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// longAddressLine is exactly 200 characters, the length at which form fields
// and table cells tend to break.
const longAddressLine = "Unit 4B, Building 7, Riverside Commercial Park and Logistics Centre, Attention: Accounts Payable Department (Invoices Only), c/o Regional Procurement Office, 1450 North Industrial Parkway, Suite 12000"

func seedCustomers() []seedCustomer {
	return []seedCustomer{
		{
			id: 1000001, number: "1001", name: "Northwind Logistics LLC", currency: "USD",
			assignee: "Priya Raman", assigneeID: 77102, industry: "Transportation & Logistics", industryID: 40312,
			employees: "201-500", website: "https://www.northwind-logistics.example", revenue: "48500000",
			description: "Regional freight forwarder; prefers invoices by email.",
			created:     "2021-03-15 09:12:44", updated: "2024-11-02 16:40:05", createdBy: "sites user", updatedBy: "Priya Raman", version: 7,
			phones: []seedPhone{{"+1 312-555-0147", "Business"}, {"+1 773-555-0123", "Mobile"}, {"+1 312-555-0199", "Fax"}},
			emails: []seedEmail{{"ops@northwind-logistics.example", "Business"}, {"billing@northwind-logistics.example", "Other"}},
			addresses: []seedAddress{
				{"Billing", "233 S Wacker Dr", "Suite 8400", "Chicago", "Cook", "Illinois", "IL", "60606", "US"},
				{"Shipping", "5100 W 5th Ave", "Dock 12", "Gary", "Lake", "Indiana", "IN", "46406", "US"},
			},
			custom: tierAttrs("87", "Gold"), labels: `[{"labelId":5501,"labelName":"Key account"}]`,
		},
		{
			id: 1000002, number: "1002", name: "Brightwater Dental Group", currency: "USD",
			assignee: "Tom Becker", assigneeID: 77103, industry: "Healthcare", industryID: 40320,
			employees: "11-50", website: "https://brightwaterdental.example",
			created: "2022-06-01 14:03:10", updated: "2023-01-19 10:22:31", createdBy: "Tom Becker", updatedBy: "Tom Becker", version: 3,
			phones: []seedPhone{{"(512) 555-0172", "Business"}},
			emails: []seedEmail{{"frontdesk@brightwaterdental.example", "Business"}},
			addresses: []seedAddress{
				{"Billing", "1100 Congress Ave", "Floor 2", "Austin", "Travis", "Texas", "TX", "78701", "US"},
			},
		},
		{
			id: 1000003, number: "1003", name: "Thames Valley Engineering Ltd", currency: "GBP",
			assignee: "Priya Raman", assigneeID: 77102, industry: "Manufacturing", industryID: 40305,
			employees: "51-200", website: "https://www.tve.example.co.uk", revenue: "12750000",
			description: "Precision machining. Accounts payable only answers Tue-Thu.",
			created:     "2020-09-22 08:30:00", updated: "2024-08-14 11:05:59", createdBy: "sites user", updatedBy: "Priya Raman", version: 12,
			phones: []seedPhone{{"+44 20 7946 0958", "Business"}, {"+44 118 496 0321", "Other"}, {"+44 7700 900461", "Mobile"}},
			emails: []seedEmail{{"info@tve.example.co.uk", "Business"}, {"accounts@tve.example.co.uk", "Other"}, {"j.smith.tve@gmail.example", "Personal"}},
			addresses: []seedAddress{
				{"Billing", "1 Canada Square", "Canary Wharf", "London", "Greater London", "England", "ENG", "E14 5AB", "GB"},
				{"Shipping", "Unit 3, Suttons Business Park", "London Road", "Reading", "Berkshire", "England", "ENG", "RG6 1AZ", "GB"},
				{"Home", "14 Banbury Road", "", "Oxford", "Oxfordshire", "England", "ENG", "OX2 6LG", "GB"},
			},
			custom: tierAttrs("64", "Silver"),
		},
		// Unicode in every text field (umlauts, ß, dashes, an emoji): must come
		// back byte-identical and survive search and case folding.
		{
			id: IDUnicode, number: "1004", name: "Müller & Söhne GmbH", currency: "EUR",
			assignee: "Jürgen Weiß", assigneeID: 77104, industry: "Werkzeugbau", industryID: 40305,
			employees: "51-200", website: "https://www.mueller-soehne.example.de",
			description: "Familienunternehmen seit 1887 – Präzisionswerkzeuge 🔧, „Qualität“ aus Berlin.",
			created:     "2019-11-04 07:45:12", updated: "2024-02-29 13:13:13", createdBy: "Jürgen Weiß", updatedBy: "Jürgen Weiß", version: 5,
			phones: []seedPhone{{"+49 30 901820", "Business"}, {"+49 171 1234567", "Mobile"}},
			emails: []seedEmail{{"kontakt@mueller-soehne.example.de", "Business"}, {"jürgen.weiß@mueller-soehne.example.de", "Personal"}},
			addresses: []seedAddress{
				{"Billing", "Friedrichstraße 120", "Hinterhaus, 3. OG", "Berlin", "", "Berlin", "BE", "10117", "DE"},
				{"Shipping", "Königsallee 7", "Tor 2", "München", "", "Bayern", "BY", "80331", "DE"},
			},
			custom: tierAttrs("72", "Gold"),
		},
		{
			id: 1000005, number: "1005", name: "株式会社さくら", currency: "JPY",
			assignee: "佐藤 花子", assigneeID: 77105, industry: "小売", industryID: 40330,
			employees: "501-1000", website: "https://www.sakura.example.jp", revenue: "3200000000",
			description: "東京本社。請求書は月末締め。",
			created:     "2023-04-01 09:00:00", updated: "2024-10-10 18:20:00", createdBy: "sites user", updatedBy: "佐藤 花子", version: 4,
			phones: []seedPhone{{"+81 3-1234-5678", "Business"}, {"+81 90-1234-5678", "Mobile"}},
			emails: []seedEmail{{"info@sakura.example.jp", "Business"}},
			addresses: []seedAddress{
				{"Billing", "千代田区丸の内1-1-1", "丸の内ビル 20F", "Tokyo", "", "東京都", "13", "100-0005", "JP"},
			},
		},
		{
			id: 1000006, number: "1006", name: "Ganesh Textiles Pvt. Ltd.", currency: "INR",
			assignee: "Priya Raman", assigneeID: 77102, industry: "Textiles", industryID: 40340,
			employees: "201-500", website: "https://ganeshtextiles.example.in", revenue: "950000000",
			created: "2022-01-26 05:30:00", updated: "2024-06-18 12:00:45", createdBy: "Priya Raman", updatedBy: "Anil Kumar", version: 9,
			phones: []seedPhone{{"+91 22 2345 6789", "Business"}, {"+91 98200 12345", "Mobile"}},
			emails: []seedEmail{{"sales@ganeshtextiles.example.in", "Business"}, {"accounts@ganeshtextiles.example.in", "Business"}, {"anil.kumar@mail.example.in", "Personal"}},
			addresses: []seedAddress{
				{"Billing", "42 Nariman Point", "Maker Chambers IV", "Mumbai", "Mumbai City", "Maharashtra", "MH", "400021", "IN"},
				{"Shipping", "Plot 17, MIDC Bhiwandi", "", "Thane", "Thane", "Maharashtra", "MH", "421302", "IN"},
			},
			custom: tierAttrs("55", "Silver"),
		},
		// Markup in the name and elsewhere: every page and export must escape it.
		{
			id: IDScriptName, number: "1007", name: "<script>alert(1)</script> Ltd", currency: "GBP",
			assignee: "Tom Becker", assigneeID: 77103, industry: "Software", industryID: 40350,
			employees: "1-10", website: "javascript:alert(3)",
			description: `"><img src=x onerror=alert(2)> & friends`,
			created:     "2024-01-05 10:00:00", updated: "2024-01-05 10:00:00", createdBy: "Tom Becker", updatedBy: "Tom Becker", version: 1,
			phones: []seedPhone{{"+44 161 496 0123", "Business"}},
			emails: []seedEmail{{"owner@script-test.example", "Business"}},
			addresses: []seedAddress{
				{"Billing", `<img src=x onerror=alert(4)>`, "' OR '1'='1", "Manchester", "", "England", "ENG", "M1 1AE", "GB"},
			},
		},
		// Very long values: a 200-character addressLine1, a long name and description.
		{
			id: IDLongValues, number: "1008",
			name:     "Pacific Northwest Regional Consolidated Agricultural Cooperative and Distribution Association of Greater Washington State",
			currency: "USD", assignee: "Priya Raman", assigneeID: 77102, industry: "Agriculture", industryID: 40360,
			employees: "1001-5000", website: "https://www.pacific-northwest-regional-consolidated-agricultural-cooperative.example.org/about/members/directory",
			description: "Member-owned cooperative. Deliveries only through the north gate between 06:00 and 14:00; call the dispatcher first. " +
				"Invoices must quote the PO number, the member number and the delivery note number, otherwise they are returned unpaid. " +
				"Quarterly reconciliation with the regional office; the contact changes often, so always check the website before writing. " +
				"Historic accounts from the 1998 merger are kept under the old numbers.",
			created: "2018-05-30 15:45:00", updated: "2024-09-01 08:00:00", createdBy: "sites user", updatedBy: "Priya Raman", version: 21,
			phones: []seedPhone{{"+1 509-555-0100", "Business"}, {"+1 509-555-0101", "Fax"}},
			emails: []seedEmail{{"accounts.payable.department.regional.procurement@pacific-northwest-regional-cooperative.example.org", "Business"}},
			addresses: []seedAddress{
				{"Billing", longAddressLine, "Building 7, Loading Bay 3, Second Floor Mailroom", "Spokane Valley", "Spokane", "Washington", "WA", "99216-1234", "US"},
				{"Shipping", "North Gate, 9000 E Trent Ave", "", "Spokane Valley", "Spokane", "Washington", "WA", "99212", "US"},
			},
		},
		// Numbers beyond float64 precision (2^53+1, 10^22-ish), a decimal with
		// a trailing zero and exponent notation, and nulls: all must survive
		// reads and updates in their exact textual form.
		{
			id: IDBigInt, number: "1009", name: "Quantum Ledger Systems Inc.", currency: "USD",
			assignee: "Tom Becker", assigneeID: 77103, industry: "Financial Services", industryID: 40370,
			employees: "51-200", website: "https://quantumledger.example", revenue: "98765432109876543210",
			created: "2023-07-07 07:07:07", updated: "2024-12-01 09:30:00", createdBy: "sites user", updatedBy: "Tom Becker", version: 2,
			phones: []seedPhone{{"+1 617-555-0190", "Business"}},
			emails: []seedEmail{{"finance@quantumledger.example", "Business"}},
			addresses: []seedAddress{
				{"Billing", "1 Federal St", "Floor 30", "Boston", "Suffolk", "Massachusetts", "MA", "02110", "US"},
			},
			custom: `[{"customAttributeId":"input_1528893649501_367_1127461528893649501_704","customAttributeName":"input_1528893649501_117_839291528893649501_645","customAttributeValue":12345678901234567890123,"attributeValues":[],"customAttributeType":"input","fieldType":"NUMBER","t":"Y","customAttributeTagName":"input_1528893649501_117_839291528893649501_645","undefined":"","input_1528893649501_117_839291528893649501_645":12345678901234567890123},` +
				`{"customAttributeId":"input_1530531982205_792_1049571530531982205_275","customAttributeName":"input_1530531982205_532_982921530531982205_335","customAttributeValue":null,"attributeValues":[],"customAttributeType":"input","fieldType":"NUMBER","t":"Y","customAttributeTagName":"input_1530531982205_532_982921530531982205_335","undefined":null,"input_1530531982205_532_982921530531982205_335":null},` +
				`{"customAttributeId":"currency_1530531990001_100_2000001530531990001_101","customAttributeName":"currency_1530531990001_200_3000001530531990001_201","customAttributeValue":1.50,"attributeValues":[],"customAttributeType":"currency","fieldType":"NUMBER","t":"Y","customAttributeTagName":"currency_1530531990001_200_3000001530531990001_201","currencyCode":"USD"},` +
				`{"customAttributeId":"number_1530531990002_100_2000001530531990002_102","customAttributeName":"number_1530531990002_200_3000001530531990002_202","customAttributeValue":9007199254740993,"attributeValues":[{"attributeId":-9223372036854775808,"attributeValue":6.02e23}],"customAttributeType":"number","fieldType":"NUMBER","t":"Y","customAttributeTagName":"number_1530531990002_200_3000001530531990002_202"}]`,
		},
		// No phones, emails or addresses at all: lists render empty and adding the
		// first entry must work.
		{
			id: IDEmpty, number: "1010", name: "Quiet Holdings Inc", currency: "USD",
			assignee: "sites user", assigneeID: 76886,
			created: "2024-03-03 03:03:03", updated: "2024-03-03 03:03:03", createdBy: "sites user", updatedBy: "sites user", version: 1,
		},
		// Values entered before the portal validated anything: shown and kept as
		// they are, but an edit form validating strictly would reject them.
		{
			id: IDLegacyValues, number: "1011", name: "Old Mill Hardware Co.", currency: "USD",
			assignee: "Tom Becker", assigneeID: 77103, industry: "Retail", industryID: 40330,
			employees: "11-50", website: "oldmill hardware dot com",
			description: "Imported from the 2009 spreadsheet.",
			created:     "2009-02-14 00:00:00", updated: "2016-07-04 12:00:00", createdBy: "Import", updatedBy: "Import", version: 2,
			phones: []seedPhone{{"ext. 12 ask for Bob", "Business"}, {"555-0134", "Other"}},
			emails: []seedEmail{{"sales at example dot com", "Business"}, {"bob@oldmill.example", "Personal"}},
			addresses: []seedAddress{
				{"Billing", "Old Mill Rd", "", "Stowe", "", "", "", "N/A", "US"},
			},
		},
		{
			id: 1000012, number: "1012", name: "Harbor & Pine Coffee Roasters", inactive: true, currency: "USD",
			assignee: "Priya Raman", assigneeID: 77102, industry: "Food & Beverage", industryID: 40380,
			employees: "11-50", website: "https://harborandpine.example",
			description: "Account closed 2023; kept for history.",
			created:     "2019-04-12 11:11:11", updated: "2023-12-20 17:45:00", createdBy: "sites user", updatedBy: "Priya Raman", version: 6,
			phones: []seedPhone{{"+1 206-555-0111", "Business"}, {"+1 206-555-0188", "Home"}},
			emails: []seedEmail{{"hello@harborandpine.example", "Business"}},
			addresses: []seedAddress{
				{"Billing", "1912 Pike Pl", "", "Seattle", "King", "Washington", "WA", "98101", "US"},
				{"Shipping", "4400 Shilshole Ave NW", "Roastery", "Seattle", "King", "Washington", "WA", "98107", "US"},
			},
		},
		{
			id: 1000013, number: "1013", name: "Edinburgh Analytics Ltd", currency: "GBP",
			assignee: "Tom Becker", assigneeID: 77103, industry: "Consulting", industryID: 40390,
			employees: "11-50", website: "https://edinburgh-analytics.example.co.uk", revenue: "2400000",
			created: "2021-10-10 10:10:10", updated: "2024-04-22 09:41:00", createdBy: "Tom Becker", updatedBy: "Tom Becker", version: 4,
			phones: []seedPhone{{"+44 131 496 0000", "Business"}, {"+44 7700 900123", "Mobile"}},
			emails: []seedEmail{{"hello@edinburgh-analytics.example.co.uk", "Business"}, {"invoices@edinburgh-analytics.example.co.uk", "Other"}},
			addresses: []seedAddress{
				{"Billing", "10 George St", "", "Edinburgh", "City of Edinburgh", "Scotland", "SCT", "EH2 2PF", "GB"},
				{"Shipping", "200 Broomielaw", "", "Glasgow", "Glasgow City", "Scotland", "SCT", "G1 4RU", "GB"},
			},
			custom: tierAttrs("91", "Gold"),
		},
	}
}
