package cli

import "testing"

// TestEveryCommandHasAGroup keeps --help organised by lifecycle area: a new
// command must be placed in a group in NewRoot.
func TestEveryCommandHasAGroup(t *testing.T) {
	builtin := map[string]bool{"version": true, "help": true, "completion": true}
	for _, c := range NewRoot().Commands() {
		if !builtin[c.Name()] && c.GroupID == "" {
			t.Errorf("command %q has no group in NewRoot's groupOf map", c.Name())
		}
	}
}
