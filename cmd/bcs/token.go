package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
)

func init() { rootCmd.AddCommand(newTokenCmd()) }

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens from the command line"}
	var (
		database, userName, name string
		admin                    bool
		expires                  time.Duration
		logs                     logFlags
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token (and the user, if new) and print it on stdout",
		Long: `Create an API token for --user, creating the user if needed (--admin makes it
a platform administrator). The token is printed once on stdout; only its hash is
stored. Use it as "Authorization: Bearer <token>" (in GraphiQL: the Headers tab).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := logs.logger()
			db, err := storage.Open(cmd.Context(), database)
			if err != nil {
				return err
			}
			defer db.Close()
			if _, err := db.Migrate(cmd.Context(), log); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			secret, err := auth.Bootstrap(cmd.Context(), db.Client, userName, admin, name, expires)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			return nil
		},
	}
	f := create.Flags()
	f.StringVar(&database, "database", envOr("BCS_DATABASE", "sqlite://bcs.db"), "sqlite://PATH or postgres://… (BCS_DATABASE)")
	f.StringVar(&userName, "user", "", "user name (required)")
	f.StringVar(&name, "name", "cli", "a name for the token")
	f.BoolVar(&admin, "admin", false, "make the user a platform administrator")
	f.DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h (0: no expiry)")
	_ = create.MarkFlagRequired("user")
	logs.register(create)
	cmd.AddCommand(create)
	return cmd
}
