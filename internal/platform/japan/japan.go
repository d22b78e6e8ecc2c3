// Package japan holds the one time zone the platform's calendar runs on:
// billing months, due dates, programme steps and the dates people read are
// Japan Standard Time (UTC+9, no daylight saving).
package japan

import "time"

// Zone is Japan Standard Time.
var Zone = time.FixedZone("JST", 9*60*60)
