/** @type {import('next').NextConfig} */
const nextConfig = {
  // Our own dist dir per process lets the test build not fight a running `next dev`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
};

export default nextConfig;
