//go:build race

package sim_test

// raceEnabled: the race detector slows the simulation tenfold, so the race
// run sweeps fewer seeds (the plain run keeps the full sweep).
const raceEnabled = true
