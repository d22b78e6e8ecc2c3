package counselor

// MinRatingsShown is how many ratings a counsellor needs before employees
// see their mean: a mean of one or two ratings says little, and the one
// employee who rated can read their own score back from it. Below it the
// pages say "only a few ratings so far"; the API still gives rating_avg
// and rating_count, and operators see both always.
const MinRatingsShown = 3

// RatingShown says whether a mean of count ratings is shown to employees.
func RatingShown(count int) bool { return count >= MinRatingsShown }
