package resolvers

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bcs-io/bcs/internal/apierr"
)

// MaxChartFetchesPerOperation bounds the chart archives one GraphQL
// operation pulls from repositories (HelmChartVersion.defaultValues): a
// short query over every version of every chart would otherwise make BCS
// pull them all, at once, for one request.
const MaxChartFetchesPerOperation = 10

type chartFetchesKey struct{}

// LimitChartFetches gives each operation its budget of chart fetches; the
// server installs it with AroundOperations.
func LimitChartFetches(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	left := &atomic.Int32{}
	left.Store(MaxChartFetchesPerOperation)
	return next(context.WithValue(ctx, chartFetchesKey{}, left))
}

// takeChartFetch spends one fetch of the operation's budget.
func takeChartFetch(ctx context.Context) error {
	left, ok := ctx.Value(chartFetchesKey{}).(*atomic.Int32)
	if ok && left.Add(-1) < 0 {
		return apierr.New(apierr.BadUserInput,
			"defaultValues is fetched from the repository for at most %d chart versions per request: select one with versions(version: …)",
			MaxChartFetchesPerOperation)
	}
	return nil
}
