// Component tests wait for what a loaded machine delays: CodeMirror and
// other lazily imported chunks can take over the library's default second
// to arrive while other suites share the cores.
import { configure } from '@testing-library/react';

configure({ asyncUtilTimeout: 15_000 });
