package limit

import "time"

// Period is a usage plan quota period (QuotaSettings.Period).
type Period string

// The quota periods of API Gateway.
const (
	DAY   Period = "DAY"
	WEEK  Period = "WEEK"
	MONTH Period = "MONTH"
)

// Valid reports whether p is DAY, WEEK or MONTH.
func (p Period) Valid() bool { return p == DAY || p == WEEK || p == MONTH }

// PeriodStart returns the start of the quota period of kind p that contains now. Periods are
// computed in UTC whatever now's location:
//
//   - DAY: 00:00 UTC of now's UTC day.
//   - WEEK: 00:00 UTC of the Sunday on or before now's UTC day. API Gateway documents two
//     meanings for QuotaSettings.Offset (aws-reference 5.2): the older SDK text makes it the
//     weekday a WEEK starts on, the current API reference "the number of requests subtracted
//     from the given limit in the initial time period". apigw follows the current reference,
//     so Offset never moves a period: weeks always start on Sunday (the older text's offset 0).
//   - MONTH: 00:00 UTC of the 1st of now's UTC month.
//
// Anything but WEEK or MONTH is treated as DAY (the model validates the period).
func PeriodStart(p Period, now time.Time) time.Time {
	now = now.UTC()
	y, m, d := now.Date()
	switch p {
	case MONTH:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case WEEK:
		return time.Date(y, m, d-int(now.Weekday()), 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
}

// PeriodEnd returns the end of the quota period of kind p that contains now: the start of the
// next period (exclusive), so now is in [PeriodStart, PeriodEnd).
func PeriodEnd(p Period, now time.Time) time.Time {
	start := PeriodStart(p, now)
	switch p {
	case MONTH:
		return start.AddDate(0, 1, 0)
	case WEEK:
		return start.AddDate(0, 0, 7)
	default:
		return start.AddDate(0, 0, 1)
	}
}
