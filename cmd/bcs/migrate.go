package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bcs-io/bcs/internal/storage"
)

func init() { rootCmd.AddCommand(newMigrateCmd()) }

func newMigrateCmd() *cobra.Command {
	var (
		database string
		dryRun   bool
		logs     logFlags
	)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (or list them with --dry-run)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := logs.logger()
			db, err := storage.Open(cmd.Context(), database)
			if err != nil {
				return err
			}
			defer db.Close()
			if dryRun {
				pending, err := db.Pending(cmd.Context())
				if err != nil {
					return err
				}
				for _, m := range pending {
					fmt.Fprintln(cmd.OutOrStdout(), "pending:", m.Name)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d migration(s) pending\n", len(pending))
				return nil
			}
			applied, err := db.Migrate(cmd.Context(), log)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d migration(s) applied\n", len(applied))
			return nil
		},
	}
	cmd.Flags().StringVar(&database, "database", envOr("BCS_DATABASE", "sqlite://bcs.db"), "sqlite://PATH or postgres://… (BCS_DATABASE)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list pending migrations without applying them")
	logs.register(cmd)
	return cmd
}
