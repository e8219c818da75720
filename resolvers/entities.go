package resolvers

import "github.com/bcs-io/bcs/ent/schema/gid"

// ID is the global ID type, short for the entity helpers.
type ID = gid.ID

// entityIDs collects the ids of a batch of federation representations.
func entityIDs[R any](reps []R, id func(R) ID) []ID {
	ids := make([]ID, len(reps))
	for i, r := range reps {
		ids[i] = id(r)
	}
	return ids
}

// inRepresentationOrder lines rows up with the representations that asked
// for them, as _entities requires; unknown ids resolve to null.
func inRepresentationOrder[R, T any](reps []R, rows []*T, repID func(R) ID, rowID func(*T) ID) []*T {
	byID := make(map[ID]*T, len(rows))
	for _, row := range rows {
		byID[rowID(row)] = row
	}
	out := make([]*T, len(reps))
	for i, r := range reps {
		out[i] = byID[repID(r)]
	}
	return out
}
