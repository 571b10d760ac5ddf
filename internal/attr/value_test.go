package attr

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEqualSetsIgnoreOrder(t *testing.T) {
	require.True(t, Equal(SS("a", "b"), SS("b", "a")))
	require.False(t, Equal(SS("a"), NS("1")))
	require.True(t, ItemsEqual(Item{"x": L(N("1"), Bool(true))}, Item{"x": L(N("1"), Bool(true))}))
}
