// Loaded by mocha before any spec (see .mocharc.json).
// An Output interpolated into a template string must fail loudly, not print "Calling [toString]...".
process.env.PULUMI_ERROR_OUTPUT_STRING = "true";
