package matching_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/matching"
)

// BenchmarkOfflineEvaluation builds a synthetic pool of 2,000 counsellors
// and 1,000 employees with planted true preferences, ranks every employee
// with the production model under each configuration (diversity and
// fairness on and off) and prints NDCG@10 against the planted truth, the
// hard-constraint violation rate, the exposure Gini, the top 5%'s share,
// coverage and intra-list similarity.
func BenchmarkOfflineEvaluation(b *testing.B) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var rows []matching.EvalRow
	for b.Loop() {
		rows = matching.Evaluate(matching.EvalConfig{Counselors: 2000, Employees: 1000, Seed: 7}, now)
	}
	table := matching.EvalTable(rows)
	fmt.Print("\nOffline evaluation (2,000 counsellors, 1,000 employees):\n" + table)
	b.Log("\n" + table)
	prod, noDiv := rows[0], rows[1]
	b.ReportMetric(prod.NDCG10, "ndcg@10")
	b.ReportMetric(prod.Violations, "violation-rate")
	b.ReportMetric(prod.Gini, "gini")
	b.ReportMetric(prod.IntraSim, "intra-sim")
	b.ReportMetric(noDiv.NDCG10, "ndcg@10-nodiv")
	b.ReportMetric(noDiv.Gini, "gini-nodiv")
	b.ReportMetric(noDiv.IntraSim, "intra-sim-nodiv")
}
