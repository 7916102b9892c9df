/**
 * Writes src/lib/import/fixtures/activity.fit (a 10-minute run: file id, 61 records with position,
 * heart rate, cadence, power and speed, one lap, one session, the activity) with @garmin/fitsdk's
 * Encoder, and activity-bad-crc.fit (the same bytes with the file CRC flipped).
 * Run: npx tsx scripts/make-fit-fixture.ts
 */
import fs from "node:fs";
import path from "node:path";
import { Encoder, Profile, type Mesg } from "@garmin/fitsdk";

const out = path.join(process.cwd(), "src/lib/import/fixtures");
const start = new Date("2024-05-31T14:30:00Z");
const at = (s: number) => new Date(start.getTime() + s * 1000);
const semicircles = (deg: number) => Math.round((deg * 2 ** 31) / 180);

const encoder = new Encoder();
// The SDK types onMesg with the bare Mesg; the fields are checked by the Encoder against its Profile.
const write = (mesgNum: number, mesg: Record<string, unknown>) => encoder.onMesg(mesgNum, mesg as Mesg);
write(Profile.MesgNum.FILE_ID, { manufacturer: "garmin", product: 3113, timeCreated: start, type: "activity", serialNumber: 1234 });
write(Profile.MesgNum.EVENT, { timestamp: start, event: "timer", eventType: "start" });
for (let i = 0; i <= 60; i++) {
  write(Profile.MesgNum.RECORD, {
    timestamp: at(i * 10),
    positionLat: semicircles(37.7749 + i * 0.0001),
    positionLong: semicircles(-122.4194 + i * 0.0001),
    altitude: 50 + i * 0.1,
    heartRate: 120 + (i % 30),
    cadence: 85,
    power: 250 + (i % 5),
    speed: 3,
    distance: i * 30,
  });
}
write(Profile.MesgNum.EVENT, { timestamp: at(600), event: "timer", eventType: "stopAll" });
const totals = {
  startTime: start,
  totalElapsedTime: 600,
  totalTimerTime: 590,
  totalDistance: 1800,
  totalCalories: 150,
  avgHeartRate: 134,
  maxHeartRate: 149,
  totalAscent: 6,
};
write(Profile.MesgNum.LAP, { timestamp: at(600), messageIndex: 0, ...totals });
write(Profile.MesgNum.SESSION, { timestamp: at(600), messageIndex: 0, sport: "running", subSport: "generic", firstLapIndex: 0, numLaps: 1, ...totals });
write(Profile.MesgNum.ACTIVITY, {
  timestamp: at(600),
  // FIT local time: seconds since the FIT epoch (1989-12-31T00:00Z) on the wall clock, here UTC-7.
  localTimestamp: at(600).getTime() / 1000 - 7 * 3600 - 631065600,
  numSessions: 1,
  type: "manual",
  event: "activity",
  eventType: "stop",
  totalTimerTime: 590,
});
const bytes = encoder.close();
fs.writeFileSync(path.join(out, "activity.fit"), bytes);
const bad = Buffer.from(bytes);
bad[bad.length - 1] ^= 0xff;
fs.writeFileSync(path.join(out, "activity-bad-crc.fit"), bad);
console.log(`activity.fit: ${bytes.length} bytes`);
