using System.Linq.Expressions;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>
/// ORs per-item filters (each with its own captured, hence parameterized, values) into one query filter,
/// so one query can apply a different bound per room.
/// </summary>
internal static class PredicateOr
{
    public static Expression<Func<T, bool>> Any<T>(IEnumerable<Expression<Func<T, bool>>> predicates)
    {
        var parameter = Expression.Parameter(typeof(T), "x");
        Expression? body = null;
        foreach (var predicate in predicates)
        {
            var rebound = new Rebinder(predicate.Parameters[0], parameter).Visit(predicate.Body);
            body = body is null ? rebound : Expression.OrElse(body, rebound);
        }

        return Expression.Lambda<Func<T, bool>>(body ?? Expression.Constant(false), parameter);
    }

    private sealed class Rebinder(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
