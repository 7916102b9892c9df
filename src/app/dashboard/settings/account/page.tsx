import { requireUser } from "@/lib/auth/session";
import { AccountForms } from "./account-sections";

export const dynamic = "force-dynamic";

export default async function AccountPage() {
  const user = await requireUser("/dashboard/settings/account");
  return <AccountForms email={user.email} />;
}
