package resolvers

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/chartrepository"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/project"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/template"
	"github.com/bcs-io/bcs/ent/templateversion"
	"github.com/bcs-io/bcs/ent/variable"
	"github.com/bcs-io/bcs/internal/apierr"
)

var slugPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)

func validateProjectName(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case strings.TrimSpace(name) != name:
		return apierr.Invalid("name", "name must not start or end with spaces")
	case n < 2 || n > 64:
		return apierr.Invalid("name", "name must be 2 to 64 characters, got %d", n)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return apierr.Invalid("name", "name must not contain control characters")
	}
	return nil
}

func validateCreateProject(in *ent.CreateProjectInput) error {
	if err := validateProjectName(in.Name); err != nil {
		return err
	}
	if !slugPattern.MatchString(in.Code) || strings.HasSuffix(in.Code, "-") {
		return apierr.Invalid("code", "code must be 2 to 32 lowercase letters, digits or dashes, starting with a letter and not ending with a dash")
	}
	return validateProjectText(in.Description, in.BusinessID)
}

func validateUpdateProject(in *ent.UpdateProjectInput) error {
	if in.Name != nil {
		if err := validateProjectName(*in.Name); err != nil {
			return err
		}
	}
	return validateProjectText(in.Description, in.BusinessID)
}

func validateProjectText(description, businessID *string) error {
	if description != nil && utf8.RuneCountInString(*description) > 2000 {
		return apierr.Invalid("description", "description must be at most 2000 characters")
	}
	if businessID != nil && len(*businessID) > 64 {
		return apierr.Invalid("businessID", "businessID must be at most 64 characters")
	}
	return nil
}

// deleteProjectRows removes a project and what only it owns. Clusters are
// checked for beforehand: their observed state is not the project's to drop.
func deleteProjectRows(ctx context.Context, tx *ent.Tx, id gid.ID) error {
	if _, err := tx.Member.Delete().Where(member.ProjectID(id)).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.Variable.Delete().Where(variable.ProjectID(id)).Exec(ctx); err != nil {
		return err
	}
	// Chart repositories hold sealed passwords: they go with the project.
	if _, err := tx.ChartRepository.Delete().Where(chartrepository.ProjectID(id)).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.TemplateVersion.Delete().Where(templateversion.HasTemplateWith(template.ProjectID(id))).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.Template.Delete().Where(template.ProjectID(id)).Exec(ctx); err != nil {
		return err
	}
	n, err := tx.Project.Delete().Where(project.ID(id)).Exec(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return &ent.NotFoundError{}
	}
	return nil
}
