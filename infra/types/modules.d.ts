// Packages without type declarations, used only by the local runtime.
declare module 's3rver';
