package demo

// ToRateEmail is the demo employee whose latest held session still waits
// for their rating, so "my sessions" shows the 評価待ち badge at once.
const ToRateEmail = "emp0002@sample-shoji.example"

// toRateSession selects ToRateEmail's most recent held session (the email
// is parameter $3 of the feedback seed), which the seed leaves unrated.
const toRateSession = `SELECT tb.id FROM bookings tb JOIN users tu ON tu.id = tb.employee_user_id
		WHERE tu.email = $3 AND tb.status = 'completed' ORDER BY tb.starts_at DESC LIMIT 1`
