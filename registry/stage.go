package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Stage is where a ready version is in its release lifecycle. It is
// independent of VersionState (which says whether the bytes are complete):
// only a ready version moves between stages.
type Stage string

// Stages. New versions start in development.
const (
	StageDevelopment Stage = "development"
	StageStaging     Stage = "staging"
	StageProduction  Stage = "production"
	StageDeprecated  Stage = "deprecated"
	StageRetired     Stage = "retired"
)

// Stages lists every stage in lifecycle order.
var Stages = []Stage{StageDevelopment, StageStaging, StageProduction, StageDeprecated, StageRetired}

// ValidStage reports whether s is a known stage.
func ValidStage(s Stage) bool {
	for _, v := range Stages {
		if v == s {
			return true
		}
	}
	return false
}

func stageNames() string {
	names := make([]string, len(Stages))
	for i, s := range Stages {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// VersionPatch holds the editable fields of a version (the PATCH body).
type VersionPatch struct {
	Stage Stage `json:"stage"`
}

// errNoChange ends a mutate that would change nothing, so nothing is audited.
var errNoChange = errors.New("no change")

// SetVersionStage moves a ready version to stage if its revision is still
// revision (ErrPrecondition otherwise), for admins and maintainers only.
// The change is audited with the old and new stage. Setting the stage the
// version already has is a no-op.
//
// Production is reached and left only through a decision (a policy
// verdict plus approvals, see Service.RequestDecision and Rollback): a
// direct move into or out of it is ErrForbidden. Any other stage needs an
// accountable owner of its responsibility (StageResponsibility).
func (s *Service) SetVersionStage(ctx context.Context, a Actor, model string, number int, revision int64, stage Stage) (Version, error) {
	if !ValidStage(stage) {
		return Version{}, invalidf("stage %q (want one of %s)", stage, stageNames())
	}
	if err := require(a, PermWrite, nil); err != nil {
		return Version{}, err
	}
	if stage == StageProduction {
		return Version{}, fmt.Errorf("%w: production is reached only through a decision: 'mlsec request %s@%d promote --stage production --rationale ...'", ErrForbidden, model, number)
	}
	var v Version
	var from Stage
	err := s.mutate(ctx, a, "version.stage", fmt.Sprintf("model/%s/versions/%d", model, number), func() any {
		return map[string]any{"from": from, "to": stage, "revision": revision}
	}, func(tx Tx) error {
		var err error
		if _, v, err = s.versionFor(ctx, tx, a, PermWrite, model, number); err != nil {
			return err
		}
		if v.Revision != revision {
			return fmt.Errorf("version %s/%d: %w: revision is %d, not %d", model, number, ErrPrecondition, v.Revision, revision)
		}
		if v.State != StateReady {
			return fmt.Errorf("version %s/%d is %s: %w: only a ready version changes stage", model, number, v.State, ErrConflict)
		}
		if from = v.Stage; from == stage {
			return errNoChange
		}
		if from == StageProduction {
			return fmt.Errorf("%w: version %s/%d is in production: it leaves it only through a decision (a promotion of another version, a rollback, or 'mlsec request %s@%d deprecate')", ErrForbidden, model, number, model, number)
		}
		g, err := govTx(tx)
		if err != nil {
			return err
		}
		m, err := tx.GetModel(ctx, model)
		if err != nil {
			return err
		}
		if err := requireOwner(ctx, g, m, stage); err != nil {
			return err
		}
		if err := tx.SetVersionStage(ctx, v.ID, revision, stage); err != nil {
			return err
		}
		v, err = tx.GetVersionByID(ctx, v.ID)
		return err
	})
	if errors.Is(err, errNoChange) {
		return v, nil
	}
	return v, err
}
