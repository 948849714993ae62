// Node-RED settings for mqttsweep's tests, driven by the environment:
//   MSW_NR_HOST, MSW_NR_PORT   listen address (always a 127.x address) and port
//   MSW_NR_USERDIR             a temp dir (flows, credentials)
//   MSW_NR_ADMIN_PASSWORD      when set: adminAuth (user "admin", bcrypt via the bcryptjs
//                              that Node-RED bundles); when unset: no adminAuth at all
//   MSW_NR_ANON_READ=1         with adminAuth: anonymous users may read (default: read)
// Telemetry and update checks are off and palette installs disabled: nothing goes out.
// httpNodeAuth is never set, so the dashboard (/ui) stays public either way — the
// real-world trap the dashboard probe must report separately from the editor.
const bcrypt = require('bcryptjs');

const settings = {
	uiHost: process.env.MSW_NR_HOST || '127.0.93.1',
	uiPort: parseInt(process.env.MSW_NR_PORT || '1880', 10),
	userDir: process.env.MSW_NR_USERDIR,
	flowFile: 'flows.json',
	credentialSecret: 'msw-test-only',
	telemetry: { enabled: false, updateNotification: false },
	externalModules: {
		autoInstall: false,
		palette: { allowInstall: false, allowUpload: false },
		modules: { allowInstall: false },
	},
	diagnostics: { enabled: true, ui: true },
	logging: { console: { level: 'warn', metrics: false, audit: false } },
	editorTheme: { tours: false, projects: { enabled: false } },
};

const pw = process.env.MSW_NR_ADMIN_PASSWORD;
if (pw) {
	settings.adminAuth = {
		type: 'credentials',
		users: [{ username: 'admin', password: bcrypt.hashSync(pw, 8), permissions: '*' }],
	};
	if (process.env.MSW_NR_ANON_READ === '1')
		settings.adminAuth.default = { permissions: 'read' };
}

module.exports = settings;
